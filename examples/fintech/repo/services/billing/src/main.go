// billing: Subscription billing
// (stand-in source for the writ fintech example)
