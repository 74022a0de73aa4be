// accounts: Customer accounts
// (stand-in source for the writ fintech example)
