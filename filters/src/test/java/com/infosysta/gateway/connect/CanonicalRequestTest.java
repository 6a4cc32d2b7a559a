package com.infosysta.gateway.connect;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The canonical request against vectors produced by Atlassian's own npm package {@code atlassian-jwt} 2.0.3
 * ({@code src/test/js/qsh-vectors} regenerates them). Where {@code atlassian-jwt} and Atlassian's Java
 * {@code atlassian-connect-spring-boot} agree, the gateway must give the same canonical request and hash.
 * Where they disagree, the gateway follows the published algorithm; each such case is named below with the
 * value the gateway gives and why.
 */
final class CanonicalRequestTest {

	/**
	 * The vectors where the two public implementations disagree, with the published algorithm's answer.
	 * Method case: "upper-case" (atlassian-jwt agrees; the Java library capitalises). Trailing slashes: "do
	 * not suffix with a '/' unless it is the only character" (the Java library strips all; atlassian-jwt one).
	 * Sorting: "by their percent-encoded names" (the Java library; atlassian-jwt sorts decoded names).
	 * Empty names and malformed escapes: the algorithm is silent; the gateway keeps atlassian-jwt's reading
	 * (Netty refuses a malformed escape before the gateway sees it anyway). {@code __proto__}: only {@code jwt}
	 * is ever dropped (the Java library; atlassian-jwt drops it as a JavaScript artefact).
	 */
	static final Map<String, String> PUBLISHED_ALGORITHM = Map.ofEntries(
			Map.entry("path-trailing-slash-two", "GET&/rest/api/2/myself&"),
			Map.entry("path-trailing-slash-two-ctx", "GET&/rest/api/2/myself&a=1"),
			Map.entry("name-non-ascii", "GET&/r&caf%C3%A9=1&cafe=2&caf~=3"),
			Map.entry("name-slash-vs-dot", "GET&/r&a%2F=2&a.=1"),
			Map.entry("name-colon-vs-digit", "GET&/r&a%3A=2&a5=1"),
			Map.entry("odd-proto-name", "GET&/r&__proto__=x&a=1"));

	static Stream<Arguments> vectors() throws IOException {
		try (InputStream json = CanonicalRequestTest.class.getResourceAsStream("/connect/qsh-vectors.json")) {
			List<Map<String, String>> vectors = JsonMapper.builder().build().readValue(json,
					new TypeReference<List<Map<String, String>>>() {
					});
			return vectors.stream().map(vector -> Arguments.of(vector.get("name"), vector));
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("vectors")
	void agreesWithAtlassiansImplementations(String name, Map<String, String> vector) {
		String url = vector.get("url");
		int question = url.indexOf('?');
		String rawPath = (question < 0) ? url : url.substring(0, question);
		String rawQuery = (question < 0) ? null : url.substring(question + 1);
		String expected = PUBLISHED_ALGORITHM.getOrDefault(name, vector.get("canonical"));

		String canonical = CanonicalRequest.canonical(vector.get("method"), rawPath, vector.get("basePath"), rawQuery);

		assertThat(canonical).isEqualTo(expected);
		if (!PUBLISHED_ALGORITHM.containsKey(name)) {
			assertThat(CanonicalRequest.queryStringHash(vector.get("method"), rawPath, vector.get("basePath"),
					rawQuery)).isEqualTo(vector.get("qsh"));
		}
	}

	@Test
	void everyDisagreementNamedHereIsAVector() throws IOException {
		List<Object> names = vectors().map(arguments -> arguments.get()[0]).toList();

		assertThat(names).containsAll(PUBLISHED_ALGORITHM.keySet()).hasSizeGreaterThanOrEqualTo(40);
	}

	@Test
	void hashesTheDocumentedExample() {
		assertThat(CanonicalRequest.canonical("GET", "/path/to/service", "",
				"zee_last=param&repeated=parameter%202&first=param&repeated=parameter%201"))
			.isEqualTo("GET&/path/to/service&first=param&repeated=parameter%201,parameter%202&zee_last=param");
	}

	@Test
	void dropsTheJwtParameterAndKeepsOtherBytesWhenRemovingIt() {
		assertThat(QueryParameters.without("a=1&jwt=x.y.z&b=%2F+", "jwt")).isEqualTo("a=1&b=%2F+");
		assertThat(QueryParameters.without("jw%74=x&a", "jwt")).isEqualTo("a");
		assertThat(QueryParameters.without("jwt=x", "jwt")).isNull();
		assertThat(QueryParameters.values("jwt=a.b.c&x=1&jwt=d", "jwt")).containsExactly("a.b.c", "d");
	}

}
