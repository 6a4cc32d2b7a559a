package com.infosysta.gateway.support;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Netty 4.2's adaptive buffer allocator briefly takes a {@code StampedLock} when it grows or frees a magazine;
 * Netty's own BlockHound integration (4.2.18) does not list those two methods yet. They are Netty internals on
 * its own event loops, not calls of the gateway, so the tests allow exactly these and nothing else. Lettuce's
 * brief writer lock is allowed for the same reason.
 */
public final class NettyAllocatorBlockHoundIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
		builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
				"tryExpandMagazines");
		// Lettuce makes a writer wait on a short lock while it reconnects or closes a connection. BlockHound's
		// error thrown inside that lock would leave it broken and the writer spinning for ever.
		builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters");
		// Resilience4j 2 guards a breaker's sliding window with a ReentrantLock held for a few array writes;
		// two event loops recording on one breaker at the same instant may park for that long. Not I/O.
		builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics.FixedSizeSlidingWindowMetrics",
				"record");
		builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics.SlidingTimeWindowMetrics", "record");
	}

}
