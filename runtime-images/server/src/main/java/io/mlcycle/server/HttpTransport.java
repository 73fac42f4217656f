package io.mlcycle.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * HTTP/1.1 keep-alive on Netty event loops. A request is read in full (up to the body limit), then
 * answered on the event loop itself when it is small, so a single-row request costs no thread
 * hand-off; requests the endpoints mark as slow (big batches, Redis lookups) run on a bounded pool
 * of worker threads so they never hold up the other connections of their loop. One request at a
 * time per connection: pipelined requests wait, so responses keep their order. Request bodies in
 * gzip or deflate ({@code Content-Encoding}) are inflated before the body limit applies; responses
 * are compressed for clients that send {@code Accept-Encoding}.
 */
final class HttpTransport {

    /**
     * Responses at least this big are compressed for a client that accepts gzip or deflate; a
     * single-row answer is not worth the CPU.
     */
    static final int COMPRESS_ABOVE_BYTES = 1024;

    private final int maxBodyBytes;
    private final Consumer<Exchange> endpoints;
    private final Predicate<Exchange> offload;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private EventLoopGroup boss;
    private EventLoopGroup loops;
    private Class<? extends ServerChannel> channelType;
    private ThreadPoolExecutor workers;
    private Channel listener;

    /**
     * @param endpoints answers a request: fills in the exchange's response, never throws
     * @param offload true for a request to answer on a worker thread instead of the event loop
     */
    HttpTransport(int maxBodyBytes, Consumer<Exchange> endpoints, Predicate<Exchange> offload) {
        this.maxBodyBytes = maxBodyBytes;
        this.endpoints = endpoints;
        this.offload = offload;
    }

    /** Binds; {@code loopThreads} event loops, {@code workerThreads} for offloaded requests. */
    void start(String bindAddress, int port, int loopThreads, int workerThreads)
            throws IOException {
        boolean epoll = Epoll.isAvailable();
        DefaultThreadFactory accept = new DefaultThreadFactory("mlcycle-accept", true);
        DefaultThreadFactory http = new DefaultThreadFactory("mlcycle-http", true);
        boss = epoll ? new EpollEventLoopGroup(1, accept) : new NioEventLoopGroup(1, accept);
        loops =
                epoll
                        ? new EpollEventLoopGroup(loopThreads, http)
                        : new NioEventLoopGroup(loopThreads, http);
        channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        AtomicInteger n = new AtomicInteger();
        workers =
                new ThreadPoolExecutor(
                        workerThreads,
                        workerThreads,
                        60,
                        TimeUnit.SECONDS,
                        new ArrayBlockingQueue<>(4096),
                        r -> {
                            Thread t = new Thread(r, "mlcycle-worker-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        },
                        // a full queue (or a pool already shut down) runs the request on the
                        // event loop: it slows that loop down instead of dropping the request
                        (r, pool) -> r.run());
        try {
            listener =
                    new ServerBootstrap()
                            .group(boss, loops)
                            .channel(channelType)
                            .option(ChannelOption.SO_BACKLOG, 1024)
                            .childOption(ChannelOption.TCP_NODELAY, true)
                            .childHandler(
                                    new ChannelInitializer<Channel>() {
                                        @Override
                                        protected void initChannel(Channel ch) {
                                            connections.add(ch);
                                            ch.pipeline()
                                                    .addLast(new HttpServerCodec())
                                                    .addLast(
                                                            new HttpContentCompressor(
                                                                    COMPRESS_ABOVE_BYTES,
                                                                    StandardCompressionOptions
                                                                            .gzip(),
                                                                    StandardCompressionOptions
                                                                            .deflate()))
                                                    .addLast(new HttpContentDecompressor())
                                                    .addLast(new HttpServerExpectContinueHandler())
                                                    .addLast(new Connection());
                                        }
                                    })
                            .bind(bindAddress, port)
                            .sync()
                            .channel();
        } catch (Exception e) {
            // bind failures come out of sync() unchecked-wrapped or sneaky-thrown
            shutdownGroups(0);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof IOException io ? io : new IOException(e.toString(), e);
        }
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** The acceptor's loop group, shared with the gRPC server (started, not yet stopped). */
    EventLoopGroup boss() {
        return boss;
    }

    /** The connections' event loops, shared with the gRPC server. */
    EventLoopGroup loops() {
        return loops;
    }

    /** The server channel class of those loops (epoll or NIO). */
    Class<? extends ServerChannel> channelType() {
        return channelType;
    }

    /**
     * Closes the listener, lets requests already received finish (up to {@code graceSeconds}), then
     * closes every connection and the threads.
     */
    void stop(int graceSeconds) {
        if (listener == null) {
            return;
        }
        listener.close().awaitUninterruptibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        shutdownGroups(1);
    }

    private void shutdownGroups(int timeoutSeconds) {
        workers.shutdown();
        boss.shutdownGracefully(0, timeoutSeconds, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, timeoutSeconds, TimeUnit.SECONDS);
        try {
            workers.awaitTermination(timeoutSeconds, TimeUnit.SECONDS);
            loops.terminationFuture().await(timeoutSeconds + 1L, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The state of one connection: the request being received and the ones waiting behind it. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        private HttpRequest request;
        private long start;
        private byte[] body;
        private int length;
        private boolean tooLarge;
        private long dropped;
        private boolean busy;
        private boolean closing;
        private final ArrayDeque<Object> waiting = new ArrayDeque<>(0);

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (busy || closing) {
                if (closing) {
                    ReferenceCountUtil.release(msg);
                } else {
                    waiting.add(msg);
                }
                return;
            }
            try {
                receive(ctx, msg);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void receive(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest r) {
                start = System.nanoTime();
                if (r.decoderResult().isFailure()) {
                    answerMalformed(ctx, r.decoderResult().cause());
                    return;
                }
                request = r;
                length = 0;
                dropped = 0;
                long declared = HttpUtil.getContentLength(r, -1L);
                tooLarge = declared > maxBodyBytes;
                // a declared length is allocated at once (up to 1 MiB; beyond, as bytes arrive), so
                // the body is neither regrown nor copied again
                body = new byte[tooLarge ? 0 : (int) Math.max(0, Math.min(declared, 1 << 20))];
            }
            if (msg instanceof HttpContent c) {
                if (request == null) {
                    return;
                }
                if (c.decoderResult().isFailure()) {
                    answerMalformed(ctx, c.decoderResult().cause());
                    return;
                }
                ByteBuf b = c.content();
                int n = b.readableBytes();
                if (!tooLarge && (long) length + n > maxBodyBytes) {
                    tooLarge = true;
                    body = new byte[0];
                }
                if (tooLarge) {
                    // read what is left of a refused body before answering: a client still
                    // sending when the server closes would see a reset instead of the message
                    dropped += n;
                    if (dropped > 4L * maxBodyBytes + (1 << 20)) {
                        dispatch(ctx, true);
                        closing = true;
                    } else if (msg instanceof LastHttpContent) {
                        dispatch(ctx, false);
                    }
                    return;
                }
                if (length + n > body.length) {
                    body =
                            Arrays.copyOf(
                                    body,
                                    (int)
                                            Math.min(
                                                    maxBodyBytes,
                                                    Math.max(
                                                            (long) length + n,
                                                            2L * body.length + 1024)));
                }
                b.readBytes(body, length, n);
                length += n;
                if (msg instanceof LastHttpContent) {
                    dispatch(ctx, false);
                }
            }
        }

        private void answerMalformed(ChannelHandlerContext ctx, Throwable cause) {
            closing = true;
            request = null;
            byte[] message =
                    ("{\"error\":\"malformed HTTP request: "
                                    + String.valueOf(cause.getMessage()).replace('"', '\'')
                                    + "\"}")
                            .getBytes(StandardCharsets.UTF_8);
            FullHttpResponse res =
                    new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1,
                            HttpResponseStatus.BAD_REQUEST,
                            Unpooled.wrappedBuffer(message));
            res.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, message.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }

        private void dispatch(ChannelHandlerContext ctx, boolean close) {
            HttpRequest r = request;
            request = null;
            Exchange ex =
                    new Exchange(
                            r.method().name(),
                            path(r.uri()),
                            r.headers(),
                            tooLarge || length == body.length ? body : Arrays.copyOf(body, length),
                            tooLarge,
                            start);
            ex.close = close || !HttpUtil.isKeepAlive(r);
            boolean http10 = r.protocolVersion().equals(HttpVersion.HTTP_1_0);
            body = null;
            inFlight.incrementAndGet();
            if (ex.path != null && offload.test(ex)) {
                busy = true;
                ctx.channel().config().setAutoRead(false);
                workers.execute(
                        () -> {
                            endpoints.accept(ex);
                            ctx.executor().execute(() -> reply(ctx, ex, http10, true));
                        });
            } else {
                endpoints.accept(ex);
                reply(ctx, ex, http10, false);
            }
        }

        private void reply(
                ChannelHandlerContext ctx, Exchange ex, boolean http10, boolean wasBusy) {
            byte[] content = ex.responseBody == null ? new byte[0] : ex.responseBody;
            FullHttpResponse res =
                    new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1,
                            HttpResponseStatus.valueOf(ex.status == 0 ? 500 : ex.status),
                            ex.head() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(content));
            res.headers().set(ex.responseHeaders);
            if (ex.contentType != null) {
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, ex.contentType);
            }
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.length);
            if (ex.close) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (http10) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(res)
                    .addListener(
                            f -> {
                                inFlight.decrementAndGet();
                                if (ex.close || !f.isSuccess()) {
                                    ctx.close();
                                }
                            });
            if (ex.close) {
                closing = true;
            }
            if (wasBusy) {
                busy = false;
                ctx.channel().config().setAutoRead(true);
                Object next;
                while (!busy && !closing && (next = waiting.poll()) != null) {
                    try {
                        receive(ctx, next);
                    } finally {
                        ReferenceCountUtil.release(next);
                    }
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Object m;
            while ((m = waiting.poll()) != null) {
                ReferenceCountUtil.release(m);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a reset or broken connection: nothing to answer
            ctx.close();
        }
    }

    /** The decoded path of a request target (origin or absolute form); null when unreadable. */
    static String path(String target) {
        try {
            if (target.startsWith("/")) {
                return new QueryStringDecoder(target).path();
            }
            String p = URI.create(target).getPath();
            return p == null || p.isEmpty() ? "/" : p;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
