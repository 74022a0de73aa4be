# fraud-scoring: Real-time fraud scores
# (stand-in source for the writ fintech example)
