# benefits: Employee health-benefits enrolment
# (stand-in source for the writ fintech example)
