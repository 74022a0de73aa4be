// web-app: Customer web app
// (stand-in source for the writ fintech example)
