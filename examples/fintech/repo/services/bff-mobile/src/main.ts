// bff-mobile: Backend for the mobile apps
// (stand-in source for the writ fintech example)
