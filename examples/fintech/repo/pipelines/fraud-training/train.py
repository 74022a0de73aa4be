# fraud-training: Fraud model training
# (stand-in source for the writ fintech example)
