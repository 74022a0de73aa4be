// api-gateway: Public edge: routing, rate limits, authn
// (stand-in source for the writ fintech example)
