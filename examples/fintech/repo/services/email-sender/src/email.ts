// email-sender: Transactional email
// (stand-in source for the writ fintech example)
