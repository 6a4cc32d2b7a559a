package com.infosysta.gateway.tenant;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads and validates the registry file. Every rule failure names the file, the entry and the field, and the
 * rule that was broken (never a secret's value), so an operator can fix the file from the message alone.
 * Runs at start-up and on reload only, never per request.
 */
public final class RegistryFileParser {

	private static final Pattern ID = Pattern.compile("[a-z0-9-]{1,63}");

	private static final Pattern IPV4 = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+");

	private static final Pattern HOST_NAME = Pattern
		.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

	private static final Pattern PATH_SEGMENT = Pattern.compile("[A-Za-z0-9._~!$'()*+,=:@-]+");

	private static final int MIN_SECRET_BYTES = 32;

	private static final int MAX_SECRETS = 2;

	private static final Set<String> ROOT_FIELDS = Set.of("plans", "tenants");

	private static final Set<String> TENANT_FIELDS = Set.of("id", "deployment", "base-url", "cloud-id", "accept",
			"client-key", "apps", "plan", "enabled", "ca-bundle-file", "cors-origins");

	private static final Set<String> PLAN_FIELDS = Set.of("tenant", "subject");

	private static final Set<String> TENANT_LIMIT_FIELDS = Set.of("rate", "burst", "in-flight");

	private static final Set<String> SUBJECT_LIMIT_FIELDS = Set.of("rate", "burst");

	private static final Set<String> APP_FIELDS = Set.of("shared-secret", "shared-secret-file");

	private final UpstreamAddressRules rules;

	public RegistryFileParser(UpstreamAddressRules rules) {
		this.rules = rules;
	}

	public Registry parse(Path file) {
		byte[] content;
		try {
			content = Files.readAllBytes(file);
		}
		catch (IOException ex) {
			throw new RegistryException("registry file '" + file + "': cannot be read (" + ex.getClass().getSimpleName()
					+ ")", ex);
		}
		return parse(file.toString(), content);
	}

	public Registry parse(String fileName, byte[] content) {
		Where where = new Where("registry file '" + fileName + "'");
		Object root;
		try {
			root = yaml().load(new String(content, StandardCharsets.UTF_8));
		}
		catch (YAMLException ex) {
			// SnakeYAML's problem text names the line and column; it may quote a line, so keep only the mark.
			throw where.fail("is not valid YAML (" + yamlProblem(ex) + ")");
		}
		if (root == null) {
			throw where.fail("is empty (expected: the root keys 'tenants' and optionally 'plans')");
		}
		Map<String, Object> map = where.map(root, "the root");
		where.onlyFields(map, ROOT_FIELDS);
		Map<String, Plan> plans = parsePlans(map.get("plans"), where);
		List<Tenant> tenants = parseTenants(map.get("tenants"), plans, where.field("tenants"));
		return new Registry(plans, tenants, sha256(content));
	}

	private static Yaml yaml() {
		LoaderOptions options = new LoaderOptions();
		options.setAllowDuplicateKeys(false);
		options.setMaxAliasesForCollections(10);
		options.setAllowRecursiveKeys(false);
		options.setCodePointLimit(4 * 1024 * 1024);
		return new Yaml(new SafeConstructor(options));
	}

	private static String yamlProblem(YAMLException ex) {
		if (ex instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked && marked.getProblemMark() != null) {
			return marked.getProblem() + " at line " + (marked.getProblemMark().getLine() + 1) + ", column "
					+ (marked.getProblemMark().getColumn() + 1);
		}
		return "unreadable structure";
	}

	private Map<String, Plan> parsePlans(Object node, Where where) {
		Map<String, Plan> plans = new LinkedHashMap<>();
		plans.put(Plan.DEFAULT.name(), Plan.DEFAULT);
		if (node == null) {
			return plans;
		}
		Map<String, Object> map = where.field("plans").map(node, "a map of plan names to plans");
		for (Map.Entry<String, Object> entry : map.entrySet()) {
			String name = entry.getKey();
			Where planWhere = where.field("plans." + name);
			if (!ID.matcher(name).matches()) {
				throw planWhere.fail("name '" + name + "' is not valid (expected: [a-z0-9-]{1,63})");
			}
			Map<String, Object> plan = planWhere.map(entry.getValue(), "a map with 'tenant' and 'subject'");
			planWhere.onlyFields(plan, PLAN_FIELDS);
			Plan.Limits tenant = limits(plan.get("tenant"), planWhere.field("tenant"), true);
			Plan.Limits subject = limits(plan.get("subject"), planWhere.field("subject"), false);
			plans.put(name, new Plan(name, tenant, subject));
		}
		return plans;
	}

	private static Plan.Limits limits(Object node, Where where, boolean withInFlight) {
		Map<String, Object> map = where.map(node, "a map with 'rate' and 'burst'");
		where.onlyFields(map, withInFlight ? TENANT_LIMIT_FIELDS : SUBJECT_LIMIT_FIELDS);
		Object rateNode = where.required(map, "rate");
		double value = (rateNode instanceof Number number) ? number.doubleValue() : Double.NaN;
		if (!(value >= 0.001) || !(value <= 1_000_000)) {
			throw where.field("rate").fail("'" + rateNode + "' is not valid (expected: a number from 0.001 to"
					+ " 1000000, per second)");
		}
		int burst = positiveInt(where.required(map, "burst"), where.field("burst"));
		if (burst > 1_000_000) {
			throw where.field("burst").fail("'" + burst + "' is not valid (expected: at most 1000000)");
		}
		int inFlight = withInFlight ? positiveInt(map.getOrDefault("in-flight", 100), where.field("in-flight")) : 0;
		return new Plan.Limits(value, burst, inFlight);
	}

	private static int positiveInt(Object node, Where where) {
		if (!(node instanceof Integer value) || value < 1) {
			throw where.fail("'" + node + "' is not valid (expected: a whole number > 0)");
		}
		return value;
	}

	private List<Tenant> parseTenants(Object node, Map<String, Plan> plans, Where where) {
		if (node == null) {
			throw where.fail("is missing (expected: a list of tenants, possibly empty: [])");
		}
		if (!(node instanceof List<?> list)) {
			throw where.fail("is not a list (expected: a list of tenants)");
		}
		List<Tenant> tenants = new ArrayList<>(list.size());
		Map<String, Integer> ids = new HashMap<>();
		Map<String, String> clientKeys = new HashMap<>();
		Map<UUID, String> cloudIds = new HashMap<>();
		for (int i = 0; i < list.size(); i++) {
			Where entry = where.index(i);
			Map<String, Object> map = entry.map(list.get(i), "a tenant (a map with 'id', 'deployment', 'base-url')");
			Object idNode = map.get("id");
			if (idNode instanceof String id) {
				entry = entry.named(id);
			}
			Tenant tenant = parseTenant(map, plans, entry);
			Integer previous = ids.putIfAbsent(tenant.id(), i);
			if (previous != null) {
				throw entry.field("id").fail("'" + tenant.id() + "' is already used by tenants[" + previous
						+ "] (expected: unique ids)");
			}
			if (tenant.clientKey() != null) {
				String owner = clientKeys.putIfAbsent(tenant.clientKey(), tenant.id());
				if (owner != null) {
					throw entry.field("client-key").fail("is already used by tenant '" + owner
							+ "' (expected: one client key per site)");
				}
			}
			if (tenant.cloudId() != null) {
				String owner = cloudIds.putIfAbsent(tenant.cloudId(), tenant.id());
				if (owner != null) {
					throw entry.field("cloud-id").fail("is already used by tenant '" + owner
							+ "' (expected: one tenant per Cloud site)");
				}
			}
			tenants.add(tenant);
		}
		return tenants;
	}

	private Tenant parseTenant(Map<String, Object> map, Map<String, Plan> plans, Where where) {
		where.onlyFields(map, TENANT_FIELDS);
		String id = string(where.required(map, "id"), where.field("id"));
		if (!ID.matcher(id).matches()) {
			throw where.field("id").fail("'" + id + "' is not valid (expected: [a-z0-9-]{1,63})");
		}
		String deploymentName = string(where.required(map, "deployment"), where.field("deployment"));
		Deployment deployment = switch (deploymentName) {
			case "cloud" -> Deployment.CLOUD;
			case "server" -> Deployment.SERVER;
			default -> throw where.field("deployment").fail("'" + deploymentName
					+ "' is not valid (expected: cloud or server)");
		};
		BaseUrl baseUrl = baseUrl(string(where.required(map, "base-url"), where.field("base-url")),
				where.field("base-url"));
		if (deployment == Deployment.CLOUD && !this.rules.allowPrivateAddresses() && !isAtlassianSite(baseUrl)) {
			throw where.field("base-url").fail("'" + baseUrl + "' is not a Jira Cloud site (expected:"
					+ " https://<site>.atlassian.net or https://<site>.jira.com, no port, no path)");
		}
		UUID cloudId = null;
		if (map.get("cloud-id") != null) {
			String text = string(map.get("cloud-id"), where.field("cloud-id"));
			cloudId = uuid(text, where.field("cloud-id"));
		}
		Set<CredentialKind> accept = accept(map.get("accept"), deployment, where.field("accept"));
		if (accept.contains(CredentialKind.OAUTH) && cloudId == null) {
			throw where.field("cloud-id").fail("is missing (expected: the site's cloud id, a UUID, because 'accept'"
					+ " includes oauth)");
		}
		String clientKey = null;
		if (map.get("client-key") != null) {
			clientKey = string(map.get("client-key"), where.field("client-key"));
			if (clientKey.isBlank() || clientKey.length() > 256) {
				throw where.field("client-key").fail("is not valid (expected: 1 to 256 characters)");
			}
		}
		Map<String, SharedSecrets> apps = apps(map.get("apps"), where.field("apps"));
		if (!apps.isEmpty() && clientKey == null) {
			throw where.field("client-key").fail("is missing (expected: the site's Connect client key, because"
					+ " 'apps' lists installations)");
		}
		String planName = (map.get("plan") != null) ? string(map.get("plan"), where.field("plan")) : "default";
		Plan plan = plans.get(planName);
		if (plan == null) {
			throw where.field("plan").fail("'" + planName + "' is not defined (expected: one of " + plans.keySet()
					+ ")");
		}
		boolean enabled = true;
		if (map.containsKey("enabled")) {
			if (!(map.get("enabled") instanceof Boolean flag)) {
				throw where.field("enabled")
					.fail("'" + map.get("enabled") + "' is not valid (expected: true or false)");
			}
			enabled = flag;
		}
		CaBundle caBundle = null;
		if (map.get("ca-bundle-file") != null) {
			Path file = Path.of(string(map.get("ca-bundle-file"), where.field("ca-bundle-file")));
			if (deployment != Deployment.SERVER) {
				throw where.field("ca-bundle-file").fail("is only for server tenants (expected: no private CA for"
						+ " Jira Cloud)");
			}
			if (!Files.isReadable(file)) {
				throw where.field("ca-bundle-file").fail("'" + file + "' cannot be read");
			}
			try {
				caBundle = CaBundle.read(file);
			}
			catch (IllegalArgumentException ex) {
				throw where.field("ca-bundle-file").fail(ex.getMessage());
			}
		}
		Set<String> corsOrigins = corsOrigins(map.get("cors-origins"), where.field("cors-origins"));
		return new Tenant(id, deployment, baseUrl, cloudId, accept, clientKey, apps, plan, enabled, caBundle,
				corsOrigins);
	}

	private Set<String> corsOrigins(Object node, Where where) {
		if (node == null) {
			return Set.of();
		}
		if (!(node instanceof List<?> list)) {
			throw where.fail("is not a list (expected: a list of origins such as https://addin.example.com)");
		}
		try {
			return BrowserOrigins.parse(list, this.rules.allowHttp());
		}
		catch (IllegalArgumentException ex) {
			throw where.fail(ex.getMessage());
		}
	}

	/**
	 * Checks a base URL given as a property (not in the registry file) under the same rules.
	 *
	 * @throws IllegalArgumentException naming the property
	 */
	public static BaseUrl parseBaseUrl(String text, UpstreamAddressRules rules, String property) {
		try {
			return new RegistryFileParser(rules).baseUrl(text, new Where(property));
		}
		catch (RegistryException ex) {
			throw new IllegalArgumentException(ex.getMessage(), ex);
		}
	}

	BaseUrl baseUrl(String text, Where where) {
		URI uri;
		try {
			uri = new URI(text);
		}
		catch (URISyntaxException ex) {
			throw where.fail("'" + text + "' is not a valid URL (expected: an absolute https URL)");
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : null;
		if (!"https".equals(scheme) && !("http".equals(scheme) && this.rules.allowHttp())) {
			String hint = "http".equals(scheme) ? "; http needs infosysta.gateway.upstream.allow-http=true" : "";
			throw where.fail("'" + text + "' is not allowed (expected: an absolute https URL" + hint + ")");
		}
		if (uri.getRawUserInfo() != null) {
			throw where.fail("must not contain user-info (expected: credentials come from the client)");
		}
		if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
			throw where.fail("'" + text + "' must not have a query or fragment");
		}
		String host = (uri.getHost() != null) ? uri.getHost().toLowerCase(Locale.ROOT) : null;
		if (host == null) {
			throw where.fail("'" + text + "' has no valid host name");
		}
		checkHost(host, text, where);
		String path = (uri.getRawPath() != null) ? uri.getRawPath() : "";
		while (path.endsWith("/")) {
			path = path.substring(0, path.length() - 1);
		}
		if (!path.isEmpty()) {
			for (String segment : path.substring(1).split("/", -1)) {
				if (!PATH_SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
					throw where.fail("'" + text + "' has a context path that is not plain (expected: segments of"
							+ " letters, digits and -._~, no '..', '//' or percent-encoding)");
				}
			}
		}
		return new BaseUrl(scheme, host, uri.getPort(), path);
	}

	/** Cloud tenants' users send their API tokens there: only Atlassian's own site domains qualify. */
	private static boolean isAtlassianSite(BaseUrl baseUrl) {
		return baseUrl.port() == -1 && baseUrl.path().isEmpty()
				&& (baseUrl.host().endsWith(".atlassian.net") || baseUrl.host().endsWith(".jira.com"));
	}

	private void checkHost(String host, String text, Where where) {
		InetAddress literal = null;
		try {
			if (host.startsWith("[")) {
				literal = InetAddress.getByName(host.substring(1, host.length() - 1));
			}
			else if (IPV4.matcher(host).matches()) {
				for (String octet : host.split("\\.")) {
					boolean ambiguous = octet.length() > 3 || (octet.length() > 1 && octet.startsWith("0"));
					if (ambiguous || Integer.parseInt(octet) > 255) {
						throw where.fail("'" + text + "' has an ambiguous IPv4 address (expected: four decimal"
								+ " octets 0-255 without leading zeros)");
					}
				}
				literal = InetAddress.getByName(host);
			}
		}
		catch (UnknownHostException ex) {
			throw where.fail("'" + text + "' has an invalid IP address");
		}
		if (literal != null) {
			if (!this.rules.isAllowed(literal)) {
				throw where.fail("'" + text + "' is a loopback, private, link-local or otherwise non-public address"
						+ " (allowed only with infosysta.gateway.upstream.allow-private-addresses=true)");
			}
			return;
		}
		String lastLabel = host.substring(host.lastIndexOf('.') + 1);
		if (!HOST_NAME.matcher(host).matches() || lastLabel.chars().allMatch(Character::isDigit)
				|| lastLabel.startsWith("0x")) {
			throw where.fail("'" + text + "' has a host that is not a plain DNS name or IP address");
		}
	}

	private static UUID uuid(String text, Where where) {
		try {
			UUID uuid = UUID.fromString(text);
			if (uuid.toString().equalsIgnoreCase(text)) {
				return uuid;
			}
		}
		catch (IllegalArgumentException ex) {
			// answered below
		}
		throw where.fail("'" + text + "' is not a UUID (expected: 8-4-4-4-12 hex digits)");
	}

	private static Set<CredentialKind> accept(Object node, Deployment deployment, Where where) {
		if (node == null) {
			return (deployment == Deployment.CLOUD) ? EnumSet.of(CredentialKind.OAUTH, CredentialKind.BASIC)
					: EnumSet.of(CredentialKind.BASIC, CredentialKind.PAT);
		}
		if (!(node instanceof List<?> list) || list.isEmpty()) {
			throw where.fail("is not valid (expected: a non-empty list of oauth, basic, pat)");
		}
		Set<CredentialKind> kinds = EnumSet.noneOf(CredentialKind.class);
		for (Object item : list) {
			CredentialKind kind = (item instanceof String name) ? CredentialKind.fromConfigName(name) : null;
			if (kind == null) {
				throw where.fail("'" + item + "' is not valid (expected: oauth, basic or pat)");
			}
			if (kind == CredentialKind.OAUTH && deployment != Deployment.CLOUD) {
				throw where.fail("oauth is for cloud tenants only (expected: basic or pat for server)");
			}
			if (kind == CredentialKind.PAT && deployment != Deployment.SERVER) {
				throw where.fail("pat is for server tenants only (expected: oauth or basic for cloud)");
			}
			kinds.add(kind);
		}
		return kinds;
	}

	private static Map<String, SharedSecrets> apps(Object node, Where where) {
		if (node == null) {
			return Map.of();
		}
		Map<String, Object> map = where.map(node, "a map of app ids to installations");
		Map<String, SharedSecrets> apps = new LinkedHashMap<>();
		for (Map.Entry<String, Object> entry : map.entrySet()) {
			Where app = where.field(entry.getKey());
			if (!ID.matcher(entry.getKey()).matches()) {
				throw app.fail("app id is not valid (expected: [a-z0-9-]{1,63})");
			}
			Map<String, Object> installation = app.map(entry.getValue(), "a map with 'shared-secret' or"
					+ " 'shared-secret-file'");
			app.onlyFields(installation, APP_FIELDS);
			boolean inline = installation.get("shared-secret") != null;
			boolean fromFile = installation.get("shared-secret-file") != null;
			if (inline == fromFile) {
				throw app.fail("needs exactly one of 'shared-secret' and 'shared-secret-file'");
			}
			List<byte[]> secrets = inline ? inlineSecrets(installation.get("shared-secret"),
					app.field("shared-secret"))
					: fileSecrets(installation.get("shared-secret-file"), app.field("shared-secret-file"));
			apps.put(entry.getKey(), new SharedSecrets(secrets));
		}
		return apps;
	}

	private static List<byte[]> inlineSecrets(Object node, Where where) {
		List<byte[]> secrets = new ArrayList<>();
		for (Object item : oneOrTwo(node, where)) {
			if (!(item instanceof String text)) {
				throw where.fail("is not a string (expected: the shared secret)");
			}
			secrets.add(checkedSecret(text.getBytes(StandardCharsets.UTF_8), where));
		}
		return secrets;
	}

	private static List<byte[]> fileSecrets(Object node, Where where) {
		List<byte[]> secrets = new ArrayList<>();
		for (Object item : oneOrTwo(node, where)) {
			if (!(item instanceof String name)) {
				throw where.fail("is not a path (expected: a file holding the shared secret)");
			}
			byte[] content;
			try {
				content = Files.readAllBytes(Path.of(name));
			}
			catch (IOException | RuntimeException ex) {
				throw where.fail("'" + name + "' cannot be read");
			}
			secrets.add(checkedSecret(stripLineEnd(content), where));
		}
		return secrets;
	}

	private static List<?> oneOrTwo(Object node, Where where) {
		List<?> items = (node instanceof List<?> list) ? list : List.of(node);
		if (items.isEmpty() || items.size() > MAX_SECRETS) {
			throw where.fail("has " + items.size() + " entries (expected: one secret, or two during a rotation)");
		}
		return items;
	}

	private static byte[] checkedSecret(byte[] secret, Where where) {
		if (secret.length < MIN_SECRET_BYTES) {
			throw where.fail("is " + secret.length + " bytes long (expected: at least " + MIN_SECRET_BYTES
					+ " bytes, as HS256 needs)");
		}
		return secret;
	}

	/** Secret files written by hand or by {@code kubectl create secret --from-file} often end with a newline. */
	private static byte[] stripLineEnd(byte[] content) {
		int end = content.length;
		while (end > 0 && (content[end - 1] == '\n' || content[end - 1] == '\r')) {
			end--;
		}
		return (end == content.length) ? content : java.util.Arrays.copyOf(content, end);
	}

	private static String string(Object node, Where where) {
		if (node instanceof String text) {
			return text;
		}
		if (node instanceof Boolean) {
			// YAML reads a bare off, no, on or yes as a boolean.
			throw where.fail("'" + node + "' is not a string (a bare off/no/on/yes is a YAML boolean: quote it)");
		}
		throw where.fail("'" + node + "' is not a string");
	}

	static String sha256(byte[] content) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every JRE", ex);
		}
	}

	/** Where in the file a rule applies, for messages such as {@code tenants[2] (id 'acme'): base-url: …}. */
	static final class Where {

		private final String prefix;

		Where(String prefix) {
			this.prefix = prefix;
		}

		Where field(String name) {
			return new Where(this.prefix + ": " + name);
		}

		Where index(int index) {
			return new Where(this.prefix + "[" + index + "]");
		}

		Where named(String id) {
			return new Where(this.prefix + " (id '" + id + "')");
		}

		RegistryException fail(String problem) {
			return new RegistryException(this.prefix + ": " + problem);
		}

		Object required(Map<String, Object> map, String field) {
			Object value = map.get(field);
			if (value == null) {
				throw field(field).fail("is missing");
			}
			return value;
		}

		@SuppressWarnings("unchecked")
		Map<String, Object> map(Object node, String expected) {
			if (!(node instanceof Map<?, ?> map)) {
				throw fail("is not valid (expected: " + expected + ")");
			}
			for (Object key : map.keySet()) {
				if (!(key instanceof String)) {
					throw fail("has a key that is not a string: '" + key + "'");
				}
			}
			return (Map<String, Object>) map;
		}

		void onlyFields(Map<String, Object> map, Set<String> allowed) {
			for (String key : map.keySet()) {
				if (!allowed.contains(key)) {
					throw field(key).fail("is not a known field (expected one of: " + String.join(", ",
							allowed.stream().sorted().toList()) + ")");
				}
			}
		}

	}

}
