# kyc: Know your customer
# (stand-in source for the writ fintech example)
