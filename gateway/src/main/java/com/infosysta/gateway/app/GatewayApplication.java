package com.infosysta.gateway.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Starts the gateway; every behaviour comes from the auto-configurations of this package. */
@SpringBootApplication
public class GatewayApplication {

	/** Reactor Netty's system property for the number of event loops (server and upstream clients share them). */
	static final String IO_WORKER_COUNT = "reactor.netty.ioWorkerCount";

	public static void main(String[] args) {
		sizeEventLoopsToProcessors();
		SpringApplication.run(GatewayApplication.class, args);
	}

	/**
	 * One event loop per processor the JVM may use (the container's CPU limit), unless
	 * {@code -Dreactor.netty.ioWorkerCount} says otherwise. Reactor Netty's default is at least four: on a pod
	 * limited to two CPUs, four loops that never block only take turns on two cores, and each switch costs
	 * CPU per request. Must run before Reactor Netty's loop resources are first used.
	 */
	static void sizeEventLoopsToProcessors() {
		if (System.getProperty(IO_WORKER_COUNT) == null) {
			System.setProperty(IO_WORKER_COUNT, Integer.toString(Runtime.getRuntime().availableProcessors()));
		}
	}

}
