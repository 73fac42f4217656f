package io.mlcycle.server;

/** One entry of a feedback request. */
record FeedbackEntry(String predictionId, int actual) {}
