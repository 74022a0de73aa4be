// sms-sender: SMS and push
// (stand-in source for the writ fintech example)
