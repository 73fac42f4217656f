package io.mlcycle.server;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;

/**
 * Times each gRPC call at the HTTP/2 codec's edge: from its HEADERS frame decoded on the event loop
 * to its trailers written to the socket (grpc-java closes the stream when that write completes), so
 * the HTTP/2 frame handling and the flush before and after the handler's own span are measured too;
 * and, within that, from the HEADERS frame to the request message's first bytes read (a client's
 * DATA frame coming late).
 */
final class GrpcStreamTimer extends ServerStreamTracer.Factory {

    private final ServerMetrics metrics;

    GrpcStreamTimer(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        long start = System.nanoTime();
        String method = fullMethodName.substring(fullMethodName.lastIndexOf('/') + 1);
        return new ServerStreamTracer() {
            @Override
            public void inboundMessage(int seqNo) {
                if (seqNo == 0) {
                    metrics.grpcMessageWait(method, start);
                }
            }

            @Override
            public void streamClosed(Status status) {
                metrics.grpcStream(method, start);
            }
        };
    }
}
