package com.infosysta.gateway.it;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * For gateways a test starts and closes itself in the test JVM (beside the cached {@code @SpringBootTest}
 * contexts): their server gets event loops of its own instead of Reactor Netty's global ones. Closing such a
 * context would otherwise dispose the global loops (after a quiet period), and a context started meanwhile would
 * pick up the dying loops for its upstream client and answer every call with 502.
 */
@TestConfiguration(proxyBeanMethods = false)
class OwnReactorResources {

	@Bean
	ReactorResourceFactory reactorResourceFactory() {
		ReactorResourceFactory factory = new ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		return factory;
	}

}
