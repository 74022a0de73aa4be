// notifications: Notification fan-out
// (stand-in source for the writ fintech example)
