# aml-screening: Sanctions and AML screening
# (stand-in source for the writ fintech example)
