# claims-processor: Health claims processing
# (stand-in source for the writ fintech example)
