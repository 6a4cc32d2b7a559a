package com.infosysta.gateway.app;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

final class GatewayApplicationTest {

	private String before;

	@BeforeEach
	void rememberTheProperty() {
		this.before = System.getProperty(GatewayApplication.IO_WORKER_COUNT);
	}

	@AfterEach
	void restoreTheProperty() {
		if (this.before == null) {
			System.clearProperty(GatewayApplication.IO_WORKER_COUNT);
		}
		else {
			System.setProperty(GatewayApplication.IO_WORKER_COUNT, this.before);
		}
	}

	@Test
	void startsOneEventLoopPerProcessorTheJvmMayUse() {
		System.clearProperty(GatewayApplication.IO_WORKER_COUNT);

		GatewayApplication.sizeEventLoopsToProcessors();

		assertThat(System.getProperty(GatewayApplication.IO_WORKER_COUNT))
			.isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));
	}

	@Test
	void keepsTheCountAnOperatorChose() {
		System.setProperty(GatewayApplication.IO_WORKER_COUNT, "7");

		GatewayApplication.sizeEventLoopsToProcessors();

		assertThat(System.getProperty(GatewayApplication.IO_WORKER_COUNT)).isEqualTo("7");
	}

}
