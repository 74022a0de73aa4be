// card-issuing: Virtual and physical card issuing
// (stand-in source for the writ fintech example)
