package com.infosysta.gateway.auth;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.HttpMethod;

import com.infosysta.gateway.tenant.UpstreamAddressRules;

import static com.infosysta.gateway.auth.AuthFixtures.BACKEND_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

final class AppCatalogTest {

	private static final UpstreamAddressRules LOCAL = new UpstreamAddressRules(true, true);

	private static final String PREFIX = "infosysta.gateway.apps.outlook-to-jira.";

	@Test
	void definesAnAppFromItsProperties() {
		AppDefinition app = AuthFixtures.catalog().app(AuthFixtures.APP);

		assertThat(app.key()).isEqualTo(AuthFixtures.APP_KEY);
		assertThat(app.backend().toString()).isEqualTo("http://127.0.0.1:9/backend");
		assertThat(app.backendSecret()).isEqualTo(AuthFixtures.secret(BACKEND_SECRET));
		assertThat(app.publicBaseUrl()).isEqualTo(AuthFixtures.PUBLIC_BASE_URL);
		assertThat(app.forgeAudience()).isEqualTo(AuthFixtures.FORGE_AUDIENCE);
		assertThat(app.allowsJiraCall(HttpMethod.GET, "/rest/api/3/issue/ABC-1")).isTrue();
		assertThat(app.allowsJiraCall(HttpMethod.POST, "/rest/api/3/issue")).isTrue();
		assertThat(app.allowsJiraCall(HttpMethod.DELETE, "/rest/api/3/issue/ABC-1")).isFalse();
		assertThat(app.acceptsContextQsh("/context/panel/x")).isTrue();
		assertThat(app.acceptsContextQsh("/webhook")).isFalse();
	}

	@Test
	void keepsThePublicBaseUrlWithoutTrailingSlashesAndTakesAnAriAsForgeId() {
		AppCatalog catalog = catalog(app(URI.create("http://127.0.0.1:9/backend"), BACKEND_SECRET,
				URI.create(AuthFixtures.PUBLIC_BASE_URL + "//"), AuthFixtures.FORGE_AUDIENCE, List.of()));

		AppDefinition app = catalog.app("outlook-to-jira");

		assertThat(app.publicBaseUrl()).isEqualTo(AuthFixtures.PUBLIC_BASE_URL);
		assertThat(app.forgeAudience()).isEqualTo(AuthFixtures.FORGE_AUDIENCE);
	}

	@Test
	void takesAnyMethodForAStarEntry() {
		AppCatalog catalog = catalog(app(null, null, null, null, List.of("* /rest/api/3/**")));

		AppDefinition app = catalog.app("outlook-to-jira");

		assertThat(app.allowsJiraCall(HttpMethod.DELETE, "/rest/api/3/issue/ABC-1")).isTrue();
		assertThat(app.allowsJiraCall(HttpMethod.GET, "/rest/api/2/issue/ABC-1")).isFalse();
		assertThat(app.backend()).isNull();
	}

	@Test
	void refusesAMissingKey() {
		AuthProperties.App app = new AuthProperties.App(" ", null, null, null, null, List.of(), List.of(), List.of());

		assertThatIllegalArgumentException().isThrownBy(() -> catalog(app))
			.withMessageStartingWith(PREFIX + "key: missing");
	}

	@Test
	void refusesAShortBackendSecret() {
		AuthProperties.App app = app(URI.create("http://127.0.0.1:9/backend"), "x".repeat(31), null, null, List.of());

		assertThatIllegalArgumentException().isThrownBy(() -> catalog(app))
			.withMessageStartingWith(PREFIX + "backend-secret: 31 bytes")
			.withMessageContaining("at least 32");
	}

	@Test
	void refusesABackendWithoutSecret() {
		AuthProperties.App app = app(URI.create("http://127.0.0.1:9/backend"), null, null, null, List.of());

		assertThatIllegalArgumentException().isThrownBy(() -> catalog(app))
			.withMessageStartingWith(PREFIX + "backend-secret: missing");
	}

	@Test
	void refusesAnHttpBackendWithoutAllowHttp() {
		AuthProperties.App app = app(URI.create("http://backend.infosysta.example/outlook"), BACKEND_SECRET, null, null,
				List.of());

		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AppCatalog(Map.of("outlook-to-jira", app), UpstreamAddressRules.STRICT))
			.withMessageStartingWith(PREFIX + "backend-url")
			.withMessageContaining("allow-http");
	}

	@Test
	void refusesAPrivateBackendAddressUnderStrictRules() {
		AuthProperties.App app = app(URI.create("https://10.0.0.7/outlook"), BACKEND_SECRET, null, null, List.of());

		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AppCatalog(Map.of("outlook-to-jira", app), UpstreamAddressRules.STRICT))
			.withMessageStartingWith(PREFIX + "backend-url")
			.withMessageContaining("allow-private-addresses");
	}

	@Test
	void refusesAJiraCallWithAnUnknownMethod() {
		AuthProperties.App app = app(null, null, null, null, List.of("GET /ok", "FETCH /x"));

		assertThatIllegalArgumentException().isThrownBy(() -> catalog(app))
			.withMessageStartingWith(PREFIX + "jira-calls[1]")
			.withMessageContaining("FETCH");
	}

	@ParameterizedTest
	@ValueSource(strings = { "GET x", "GET", "GET /a /b", "/rest/api/3/issue" })
	void refusesAJiraCallThatIsNotMethodAndPath(String entry) {
		AuthProperties.App app = app(null, null, null, null, List.of(entry));

		assertThatIllegalArgumentException().isThrownBy(() -> catalog(app))
			.withMessageStartingWith(PREFIX + "jira-calls[0]");
	}

	@Test
	void refusesAJiraCallWithAnInvalidPattern() {
		AuthProperties.App app = app(null, null, null, null, List.of("GET /rest/{key"));

		assertThatIllegalArgumentException().isThrownBy(() -> catalog(app))
			.withMessageStartingWith(PREFIX + "jira-calls[0]")
			.withMessageContaining("not a valid path pattern");
	}

	@Test
	void refusesAContextPathThatIsNotAPattern() {
		AuthProperties.App app = new AuthProperties.App("key", null, null, null, null, List.of(),
				List.of("/context/**", "context"), List.of());

		assertThatIllegalArgumentException().isThrownBy(() -> catalog(app))
			.withMessageStartingWith(PREFIX + "context-paths[1]");
	}

	@Test
	void keepsCorsOriginsAsBrowsersSendThem() {
		AuthProperties.App app = new AuthProperties.App("key", null, null, null, null, List.of(), List.of(),
				List.of("https://Outlook.Example.com:443", "https://addin.example.com:8443"));

		assertThat(catalog(app).app("outlook-to-jira").corsOrigins())
			.containsExactlyInAnyOrder("https://outlook.example.com", "https://addin.example.com:8443");
	}

	@ParameterizedTest
	@ValueSource(strings = { "*", "https://*.example.com", "https://addin.example.com/", "null" })
	void refusesACorsOriginThatIsNotExact(String origin) {
		AuthProperties.App app = new AuthProperties.App("key", null, null, null, null, List.of(), List.of(),
				List.of("https://addin.example.com", origin));

		assertThatIllegalArgumentException().isThrownBy(() -> catalog(app))
			.withMessageStartingWith(PREFIX + "cors-origins: '" + origin + "'");
	}

	@ParameterizedTest
	@ValueSource(strings = { "not-a-uuid", "ari:cloud:ecosystem::app/not-a-uuid", "ari:cloud:ecosystem::app/",
			"1-1-1-1-1", "ari:cloud:ecosystem::app/1-1-1-1-1" })
	void refusesAForgeIdThatIsNotAUuid(String forgeAppId) {
		AuthProperties.App app = app(null, null, null, forgeAppId, List.of());

		assertThatIllegalArgumentException().as("forge-app-id '%s' was accepted", forgeAppId)
			.isThrownBy(() -> catalog(app))
			.withMessageStartingWith(PREFIX + "forge-app-id");
	}

	@Test
	void refusesAPublicBaseUrlThatIsNotAbsolute() {
		AuthProperties.App app = app(null, null, URI.create("/outlook"), null, List.of());

		assertThatIllegalArgumentException().isThrownBy(() -> catalog(app))
			.withMessageStartingWith(PREFIX + "public-base-url");
	}

	@ParameterizedTest
	@ValueSource(strings = { "Outlook", "outlook_to_jira", "", "a/b" })
	void refusesAnAppIdOutsideTheAlphabet(String id) {
		AuthProperties.App app = app(null, null, null, null, List.of());

		assertThatIllegalArgumentException().isThrownBy(() -> new AppCatalog(Map.of(id, app), LOCAL))
			.withMessageStartingWith("infosysta.gateway.apps." + id + ":")
			.withMessageContaining("app id");
	}

	@Test
	void neverShowsTheBackendSecretInMessagesOrStrings() {
		AuthProperties.App app = app(URI.create("http://127.0.0.1:9/backend"), "short-secret-value", null, null,
				List.of());

		assertThatIllegalArgumentException().isThrownBy(() -> catalog(app))
			.withMessageNotContaining("short-secret-value");
		assertThat(AuthFixtures.outlookApp().toString()).doesNotContain(BACKEND_SECRET);
		assertThat(AuthFixtures.catalog().app(AuthFixtures.APP).toString()).doesNotContain(BACKEND_SECRET);
	}

	private static AuthProperties.App app(URI backend, String secret, URI publicBaseUrl, String forgeAppId,
			List<String> jiraCalls) {
		return new AuthProperties.App(AuthFixtures.APP_KEY, backend, secret, publicBaseUrl, forgeAppId, jiraCalls,
				List.of(), List.of());
	}

	private static AppCatalog catalog(AuthProperties.App app) {
		return new AppCatalog(Map.of("outlook-to-jira", app), LOCAL);
	}

}
