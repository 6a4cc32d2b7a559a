package com.infosysta.gateway.app;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;

import com.infosysta.gateway.problem.ProblemResponseWriter;
import com.infosysta.gateway.ratelimit.FailedAuthenticationGuard;
import com.infosysta.gateway.ratelimit.MemoryRateLimitStore;
import com.infosysta.gateway.ratelimit.RateLimitFilter;
import com.infosysta.gateway.ratelimit.RateLimitProperties;
import com.infosysta.gateway.ratelimit.RateLimitStore;
import com.infosysta.gateway.ratelimit.RedisRateLimitStore;
import com.infosysta.gateway.ratelimit.TokenBuckets;

/**
 * Step four and the brute-force guard: buckets in memory, or in Redis ({@code spring.data.redis.host},
 * {@code .port}, {@code .database}, {@code .username}, {@code .password}, {@code .ssl.enabled}; standalone Redis)
 * with a local fallback.
 */
@AutoConfiguration(after = GuardAutoConfiguration.class)
@EnableConfigurationProperties(RateLimitProperties.class)
public class RateLimitAutoConfiguration {

	private static final String STORE = "infosysta.gateway.rate-limit.store";

	@Bean
	FailedAuthenticationGuard failedAuthenticationGuard(RateLimitProperties properties, MeterRegistry meters,
			ProblemResponseWriter problems) {
		return new FailedAuthenticationGuard(new TokenBuckets(System::nanoTime, properties.maxBuckets()),
				properties.failedAuth().limit(), meters, problems);
	}

	/** Commands fail at once while the connection is down (the store then decides locally), never queue. */
	@Bean(destroyMethod = "shutdown")
	@ConditionalOnProperty(name = STORE, havingValue = "redis")
	RedisClient rateLimitRedisClient() {
		RedisClient client = RedisClient.create();
		client.setOptions(ClientOptions.builder()
			.autoReconnect(true)
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.build());
		return client;
	}

	@Bean
	RateLimitStore rateLimitStore(RateLimitProperties properties, ObjectProvider<RedisClient> redisClient,
			ObjectProvider<DataRedisConnectionDetails> redis, MeterRegistry meters) {
		MemoryRateLimitStore memory = new MemoryRateLimitStore(
				new TokenBuckets(System::nanoTime, properties.maxBuckets()));
		if (properties.store() == RateLimitProperties.Store.MEMORY) {
			return memory;
		}
		return new RedisRateLimitStore(redisClient.getObject(), redisUri(redis.getObject()),
				Schedulers.boundedElastic(), memory, properties.replicas(), properties.redisTimeout(),
				properties.redisRetryInterval(), System::nanoTime, meters);
	}

	private static RedisURI redisUri(DataRedisConnectionDetails details) {
		DataRedisConnectionDetails.Standalone standalone = details.getStandalone();
		RedisURI.Builder uri = RedisURI.Builder.redis(standalone.getHost(), standalone.getPort())
			.withDatabase(standalone.getDatabase())
			.withTimeout(Duration.ofSeconds(2))
			.withSsl(details.getSslBundle() != null);
		if (details.getPassword() != null) {
			if (details.getUsername() != null) {
				uri.withAuthentication(details.getUsername(), details.getPassword());
			}
			else {
				uri.withPassword(details.getPassword().toCharArray());
			}
		}
		return uri.build();
	}

	@Bean
	RateLimitFilter rateLimitFilter(RateLimitStore store, MeterRegistry meters, ProblemResponseWriter problems) {
		return new RateLimitFilter(store, meters, problems);
	}

}
