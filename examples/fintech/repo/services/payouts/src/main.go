// payouts: Merchant payouts
// (stand-in source for the writ fintech example)
