// auth-service: Sessions, OAuth, MFA
// (stand-in source for the writ fintech example)
