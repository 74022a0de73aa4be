// admin-console: Internal back office
// (stand-in source for the writ fintech example)
