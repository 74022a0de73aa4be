// mobile-android: Android app
// (stand-in source for the writ fintech example)
