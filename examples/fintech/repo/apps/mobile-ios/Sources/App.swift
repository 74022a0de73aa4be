// mobile-ios: iOS app
// (stand-in source for the writ fintech example)
