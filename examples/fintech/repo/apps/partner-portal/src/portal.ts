// partner-portal: Merchant partner portal
// (stand-in source for the writ fintech example)
