package io.mlcycle.server;

/**
 * One entry of a feedback request; {@code championPredicted} (0/1, or -1 when absent) is set only
 * on feedback a champion forwards to its shadow challenger: the class the champion predicted for
 * the same request, so the challenger can count paired outcomes.
 */
record FeedbackEntry(String predictionId, int actual, int championPredicted) {

    FeedbackEntry(String predictionId, int actual) {
        this(predictionId, actual, -1);
    }
}
