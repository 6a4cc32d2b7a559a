package com.infosysta.gateway.bench.vanilla;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Spring Cloud Gateway as it comes: one static route from {@code application.yml}, every default left alone.
 * The load harness ({@code bench/run.sh}) measures it beside nginx and the gateway, so the table shows what the
 * framework alone costs.
 */
@SpringBootApplication
public class VanillaGatewayApplication {

	public static void main(String[] args) {
		SpringApplication.run(VanillaGatewayApplication.class, args);
	}

}
