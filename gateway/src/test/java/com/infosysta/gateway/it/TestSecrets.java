package com.infosysta.gateway.it;

/** Secrets the tests configure; real values of the required length, used nowhere else. */
final class TestSecrets {

	static final String SUBJECT_KEY_SECRET = "integration-test-subject-key-secret-0123456789";

	static final String SUBJECT_KEY_PROPERTY = "infosysta.gateway.subject-key-secret";

	private TestSecrets() {
	}

}
