package io.mlcycle.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The shadow mirror's HTTP/1.1 client: one Netty event loop thread, kept-alive connections reused
 * (one request at a time each, so connections in use = requests in flight), a deadline per request
 * from connect to the end of the answer. Each send ends exactly once, with the status or why not.
 */
final class MirrorClient implements AutoCloseable {

    /** How a send ended: the HTTP status, or 0 with the reason it got none. */
    record Result(int status, String failure) {
        boolean ok() {
            return status == 200;
        }
    }

    private static final AttributeKey<Call> CALL = AttributeKey.valueOf("mlcycle-mirror-call");

    private final String host;
    private final int port;
    private final String hostHeader;
    private final long timeoutMillis;
    private final EventLoopGroup loop;
    private final Bootstrap bootstrap;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    MirrorClient(URI base, long timeoutMillis) {
        this.host = base.getHost();
        this.port = base.getPort() < 0 ? 80 : base.getPort();
        this.hostHeader = base.getPort() < 0 ? host : host + ":" + port;
        this.timeoutMillis = timeoutMillis;
        DefaultThreadFactory named = new DefaultThreadFactory("mlcycle-shadow-mirror", true);
        ThreadFactory thread =
                r -> {
                    Thread t = named.newThread(r);
                    threads.add(t);
                    return t;
                };
        boolean epoll = Epoll.isAvailable();
        this.loop = epoll ? new EpollEventLoopGroup(1, thread) : new NioEventLoopGroup(1, thread);
        this.bootstrap =
                new Bootstrap()
                        .group(loop)
                        .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeoutMillis)
                        .handler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        ch.pipeline().addLast(new HttpClientCodec(), new Answer());
                                    }
                                });
    }

    /**
     * Posts {@code body} to {@code path} on a free kept-alive connection (or a new one); {@code
     * done} runs once, on the client's thread, when the answer has been read or the send failed.
     */
    void post(String path, byte[] body, Map<String, String> headers, Consumer<Result> done) {
        FullHttpRequest request =
                new DefaultFullHttpRequest(
                        HttpVersion.HTTP_1_1, HttpMethod.POST, path, Unpooled.wrappedBuffer(body));
        request.headers()
                .set(HttpHeaderNames.HOST, hostHeader)
                .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        headers.forEach(request.headers()::set);
        Call call = new Call(request, done);
        Channel ch = takeIdle();
        if (ch != null) {
            // one hand-off to the client's thread per send: the deadline and the write happen there
            try {
                ch.eventLoop().execute(() -> call.start(ch));
            } catch (RuntimeException e) {
                call.finish(null, new Result(0, "closing"));
            }
            return;
        }
        ChannelFuture connect;
        try {
            connect = bootstrap.connect(host, port);
        } catch (RuntimeException e) {
            // the loop is shutting down
            call.finish(null, new Result(0, "closing"));
            return;
        }
        connect.addListener(
                f -> {
                    if (f.isSuccess()) {
                        call.start(connect.channel());
                    } else {
                        call.finish(null, new Result(0, "unreachable"));
                    }
                });
    }

    private synchronized Channel takeIdle() {
        Channel ch;
        while ((ch = idle.poll()) != null) {
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    private synchronized void giveBack(Channel ch) {
        idle.push(ch);
    }

    /** Closes every connection and stops the client's thread (waits for it, up to 5 s). */
    @Override
    public void close() {
        loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(5_000);
        // the loop reports termination from its own thread, just before that thread ends
        for (Thread t : threads) {
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * One request on one connection: sent, then answered, timed out or cut off, once. Started and
     * answered on the client's thread.
     */
    private final class Call {
        private final FullHttpRequest request;
        private final Consumer<Result> done;
        private final AtomicBoolean finished = new AtomicBoolean();
        private ScheduledFuture<?> deadline;
        private int status;
        private boolean keepAlive;

        Call(FullHttpRequest request, Consumer<Result> done) {
            this.request = request;
            this.done = done;
        }

        void start(Channel ch) {
            ch.attr(CALL).set(this);
            deadline =
                    ch.eventLoop()
                            .schedule(
                                    () -> finish(ch, new Result(0, "timeout")),
                                    timeoutMillis,
                                    TimeUnit.MILLISECONDS);
            ch.writeAndFlush(request)
                    .addListener(
                            f -> {
                                if (!f.isSuccess()) {
                                    finish(ch, new Result(0, "unreachable"));
                                }
                            });
        }

        /** Ends the call; a connection that answered in full is kept for the next one. */
        void finish(Channel ch, Result result) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (ch != null) {
                ch.attr(CALL).set(null);
                if (result.status() > 0 && keepAlive) {
                    giveBack(ch);
                } else {
                    ch.close();
                }
            } else if (request.refCnt() > 0) {
                request.release();
            }
            done.accept(result);
        }
    }

    /** Reads the answer of the connection's current call: its status, then the end of the body. */
    private static final class Answer extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                Call call = ctx.channel().attr(CALL).get();
                if (call == null) {
                    return;
                }
                if (msg instanceof HttpResponse r) {
                    call.status = r.status().code();
                    call.keepAlive = HttpUtil.isKeepAlive(r);
                }
                if (msg instanceof LastHttpContent) {
                    call.finish(ctx.channel(), new Result(call.status, null));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Call call = ctx.channel().attr(CALL).get();
            if (call != null) {
                call.finish(ctx.channel(), new Result(0, "unreachable"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
