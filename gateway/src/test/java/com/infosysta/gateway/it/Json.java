package com.infosysta.gateway.it;

import java.util.Map;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Reads the small JSON bodies of problem answers and of the stand-in upstream's echo. */
final class Json {

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private Json() {
	}

	static Map<String, Object> object(String json) {
		return MAPPER.readValue(json, new TypeReference<Map<String, Object>>() {
		});
	}

}
