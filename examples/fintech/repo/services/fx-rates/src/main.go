// fx-rates: Currency conversion rates
// (stand-in source for the writ fintech example)
