//! Positive and negative strings for every built-in rule.
//!
//! Positive strings are assembled at run time from pieces, so this file holds nothing that
//! looks like a live credential to other scanners, and every fake is obviously fake
//! (`FAKE`, `NotReal`, `deadbeef`). Negative strings include providers' documented example
//! keys where the rule ignores them.

use super::builtin::BUILTIN;
use crate::{RuleSet, ScanOptions, Scanner};

/// Default path for cases: not documentation or tests, so generic rules apply.
const PATH: &str = "app/settings.conf";

struct Case {
    id: &'static str,
    pos: Vec<(String, String)>,
    neg: Vec<(String, String)>,
}

/// Concatenates pieces.
fn c(parts: &[&str]) -> String {
    parts.concat()
}

/// `n` obviously fake characters of a class: `a` alphanumeric, `l` lower alphanumeric,
/// `u` upper alphanumeric, `L` letters, `h`/`H` hex, `d` digits, `b` base64, `B`/`z`
/// upper/lower base32, `w` alphanumeric with `_` and `-`, `e` bech32 upper.
fn f(n: usize, class: char) -> String {
    let template = match class {
        'a' => "FAKE0fake1NotReal2TEST3test4",
        'l' => "fake0test1notreal2zz9",
        'u' => "FAKE0TEST1NOTREAL2ZZ9",
        'L' => "FAKEfakeNotRealTESTtest",
        'h' => "deadbeef0fa4e0c0ffee1234",
        'H' => "DEADBEEF0FA4E0C0FFEE1234",
        'd' => "1234567890",
        'b' => "FAKE0fake1NotReal+TEST/test",
        'B' => "FAKEKEY2TEST3NOTREAL4",
        'z' => "fakekey2test3notreal4",
        'w' => "FAKE_fake-0NotReal_1TEST-2",
        'e' => "FAKE2TEST3",
        _ => unreachable!("unknown class {class}"),
    };
    template.chars().cycle().take(n).collect()
}

fn uuid() -> String {
    c(&[
        &f(8, 'h'),
        "-",
        &f(4, 'h'),
        "-",
        &f(4, 'h'),
        "-",
        &f(4, 'h'),
        "-",
        &f(12, 'h'),
    ])
}

fn jwt() -> String {
    c(&[
        "ey",
        "J",
        &f(20, 'w'),
        ".ey",
        "J",
        &f(30, 'w'),
        ".",
        &f(30, 'w'),
    ])
}

/// A PEM block with a fake base64 body of `lines` lines.
fn pem(label: &str, head: &str, lines: usize) -> String {
    let body: Vec<String> = (0..lines).map(|_| f(64, 'b')).collect();
    c(&[
        "-----BEG",
        "IN ",
        label,
        "-----\n",
        head,
        &body.join("\n"),
        "\n-----E",
        "ND ",
        label,
        "-----\n",
    ])
}

/// A password-like value free of placeholder words, with enough entropy.
const PW: &str = "Zq8-NotReal-Lp2x";

fn t(text: String) -> (String, String) {
    (PATH.to_owned(), text)
}

fn at(path: &str, text: String) -> (String, String) {
    (path.to_owned(), text)
}

fn case(id: &'static str, pos: Vec<(String, String)>, neg: Vec<(String, String)>) -> Case {
    Case { id, pos, neg }
}

/// Shorthand for the many rules that are a prefix plus `n` characters: the positive has
/// `n`, the negative far fewer.
fn prefixed(id: &'static str, a: &str, b: &str, n: usize, class: char) -> Case {
    case(
        id,
        vec![t(c(&["X=", a, b, &f(n, class)]))],
        vec![t(c(&["X=", a, b, &f(n / 3, class)]))],
    )
}

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    let rsa = "RSA PRIV".to_owned() + "ATE KEY";
    vec![
        case("aws-access-key-id",
            vec![t(c(&["aws_access_key_id = ", "AK", "IA", &f(16, 'B')])), t(c(&["\"AS", "IA", &f(16, 'B'), "\""]))],
            vec![t(c(&["AK", "IA", &f(12, 'B')])), t(c(&["AK", "IA", &f(20, 'B')])), t(c(&["ak", "ia", &f(16, 'B').to_lowercase()]))]),
        case("aws-secret-access-key",
            vec![t(c(&["aws_secret_access_key = ", &f(40, 'b')])), t(c(&["AWS_SECRET_ACCESS_KEY=\"", &f(40, 'b'), "\""]))],
            vec![t(c(&["aws_secret_access_key = ", &f(30, 'b')])), t(c(&["secret_key = ", &f(40, 'b')]))]),
        case("aws-session-token",
            vec![t(c(&["aws_session_token = ", &f(120, 'b')]))],
            vec![t(c(&["aws_session_token = ", &f(50, 'b')]))]),
        case("aws-mws-auth-token",
            vec![t(c(&["amzn.", "mws.", &uuid()]))],
            vec![t(c(&["amzn.", "mws.", &f(8, 'h')]))]),
        case("gcp-service-account-key",
            vec![t(c(&[r#"{"type": "service_account", "private_key": "-----BEGIN PRIV"#, r"ATE KEY-----\n", &f(64, 'b'), r"\n", &f(64, 'b'),
                r#"\n-----END PRIVATE KEY-----\n", "client_email": "fake@fake.invalid"}"#]))],
            vec![t(c(&[r#"{"private_key": "-----BEGIN PRIV"#, r#"ATE KEY-----\n...\n-----END PRIVATE KEY-----\n"}"#]))]),
        prefixed("gcp-api-key", "AI", "za", 35, 'w'),
        prefixed("gcp-oauth-client-secret", "GOC", "SPX-", 28, 'w'),
        prefixed("google-oauth-access-token", "ya", "29.", 40, 'w'),
        prefixed("google-oauth-refresh-token", "1//", "0", 50, 'w'),
        case("azure-cosmosdb-connection-string",
            vec![t(c(&["AccountEndpoint=https://fake.documents.azure.invalid:443/;Account", "Key=", &f(86, 'b'), "=="]))],
            vec![t(c(&["AccountEndpoint=https://localhost:8081/;AccountKey=",
                "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="]))]),
        case("azure-storage-connection-string",
            vec![t(c(&["DefaultEndpointsProtocol=https;AccountName=fakeacct;Account", "Key=", &f(86, 'b'), "==;EndpointSuffix=fake.invalid"]))],
            vec![t(c(&["DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=",
                "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="]))]),
        case("azure-storage-account-key",
            vec![t(c(&["storage_account_key: \"", &f(86, 'b'), "==\""]))],
            vec![t(c(&["storage_account_key: \"", &f(40, 'b'), "\""]))]),
        case("azure-sas-token",
            vec![t(c(&["https://fake.blob.invalid/c/b?sp=r&sv=20", "22-11-02&sr=b&sig=", &f(44, 'a'), "%3D"]))],
            vec![t(c(&["?sv=2022-11-02&sr=b&sig=short"]))]),
        case("azure-ad-client-secret",
            vec![t(c(&["client_secret=", "Fak", "8Q~", &f(34, 'a')]))],
            vec![t(c(&["Fak8Q~", &f(10, 'a')]))]),
        case("azure-service-bus-connection-string",
            vec![t(c(&["Endpoint=sb://fake.servicebus.invalid/;SharedAccessKeyName=Root;SharedAccess", "Key=", &f(43, 'b'), "="]))],
            vec![t(c(&["Endpoint=sb://fake.servicebus.invalid/;SharedAccessKeyName=Root;SharedAccessKey=short="]))]),
        case("azure-devops-pat",
            vec![t(c(&["AZURE_DEVOPS_PAT=", &f(52, 'z')]))],
            vec![t(c(&["AZURE_DEVOPS_PAT=", &f(20, 'z')]))]),
        prefixed("github-pat", "gh", "p_", 36, 'a'),
        case("github-fine-grained-pat",
            vec![t(c(&["github", "_pat_", &f(22, 'a'), "_", &f(59, 'a')]))],
            vec![t(c(&["github", "_pat_", &f(22, 'a')]))]),
        prefixed("github-oauth-token", "gh", "o_", 36, 'a'),
        case("github-app-token",
            vec![t(c(&["gh", "s_", &f(36, 'a')])), t(c(&["gh", "u_", &f(36, 'a')]))],
            vec![t(c(&["gh", "s_", &f(12, 'a')]))]),
        prefixed("github-refresh-token", "gh", "r_", 40, 'a'),
        case("gitlab-pat",
            vec![t(c(&["gl", "pat-", &f(20, 'w')])), t(c(&["GITLAB_TOKEN=gl", "pat-", "customsTESTfake00001"]))],
            vec![t(c(&["gl", "pat-", &f(10, 'w')]))]),
        prefixed("gitlab-pipeline-trigger-token", "gl", "ptt-", 40, 'h'),
        prefixed("gitlab-runner-registration-token", "GR134", "8941", 20, 'w'),
        prefixed("gitlab-runner-auth-token", "gl", "rt-", 24, 'w'),
        prefixed("gitlab-deploy-token", "gl", "dt-", 24, 'w'),
        prefixed("gitlab-oauth-app-secret", "gl", "oas-", 64, 'w'),
        prefixed("gitlab-feed-token", "gl", "ft-", 24, 'w'),
        prefixed("gitlab-incoming-mail-token", "gl", "imt-", 25, 'w'),
        prefixed("gitlab-agent-token", "gl", "agent-", 50, 'w'),
        case("gitlab-cicd-job-token",
            vec![t(c(&["gl", "cbt-", "1_", &f(20, 'w')]))],
            vec![t(c(&["gl", "cbt-", "1_", &f(8, 'w')]))]),
        prefixed("gitlab-scim-token", "gl", "soat-", 20, 'w'),
        prefixed("bitbucket-app-password", "AT", "BB", 32, 'a'),
        case("bitbucket-client-secret",
            vec![t(c(&["BITBUCKET_CLIENT_SECRET=", &f(64, 'w')]))],
            vec![t(c(&["BITBUCKET_CLIENT_SECRET=", &"a".repeat(64)]))]),
        prefixed("atlassian-api-token", "ATA", "TT3", 186, 'w'),
        case("slack-bot-token",
            vec![t(c(&["xo", "xb-", &f(11, 'd'), "-", &f(12, 'd'), "-", &f(24, 'a')]))],
            vec![t(c(&["xo", "xb-", "123-456-abc"]))]),
        case("slack-user-token",
            vec![t(c(&["xo", "xp-", &f(11, 'd'), "-", &f(11, 'd'), "-", &f(12, 'd'), "-", &f(32, 'h')]))],
            vec![t(c(&["xo", "xp-", &f(11, 'd'), "-", &f(8, 'h')]))]),
        case("slack-app-token",
            vec![t(c(&["xa", "pp-1-", &f(11, 'u'), "-", &f(13, 'd'), "-", &f(64, 'h')]))],
            vec![t(c(&["xa", "pp-x-y"]))]),
        case("slack-config-token",
            vec![t(c(&["xo", "xe.xoxp-1-", &f(164, 'u')]))],
            vec![t(c(&["xo", "xe.xoxp-1-", &f(20, 'u')]))]),
        case("slack-legacy-token",
            vec![t(c(&["xo", "xs-", &f(10, 'd'), "-", &f(10, 'd'), "-", &f(10, 'd'), "-", &f(20, 'h')]))],
            vec![t(c(&["xo", "xs-abc"]))]),
        case("slack-webhook-url",
            vec![t(c(&["https://hooks.sl", "ack.com/services/T", &f(10, 'u'), "/B", &f(10, 'u'), "/", &f(24, 'a')]))],
            // Slack's documented example URL.
            vec![t(c(&["https://hooks.sl", "ack.com/services/T00000000/B00000000/", &"X".repeat(24)]))]),
        prefixed("stripe-secret-key", "sk", "_live_", 24, 'a'),
        prefixed("stripe-restricted-key", "rk", "_live_", 24, 'a'),
        case("stripe-test-secret-key",
            vec![t(c(&["sk", "_test_", &f(24, 'a')]))],
            // Stripe's documented example keys.
            vec![t(c(&["sk", "_test_", "4eC39HqLyjWDarjtT1zdp7dc"])), t(c(&["sk", "_test_", "BQokikJOvBiI2HlWgH4olfQ2"]))]),
        prefixed("stripe-webhook-secret", "wh", "sec_", 32, 'a'),
        case("twilio-api-key",
            vec![t(c(&["TWILIO_API_KEY=", "S", "K", &f(32, 'h')]))],
            vec![t(c(&["S", "K", &f(32, 'h')]))]),
        case("twilio-auth-token",
            vec![t(c(&["TWILIO_AUTH_TOKEN=", &f(32, 'h')]))],
            vec![t(c(&["TWILIO_AUTH_TOKEN=", &f(10, 'h')]))]),
        case("sendgrid-api-key",
            vec![t(c(&["S", "G.", &f(22, 'w'), ".", &f(43, 'w')]))],
            vec![t(c(&["S", "G.", &f(10, 'w')]))]),
        case("mailgun-api-key",
            vec![t(c(&["MAILGUN_API_KEY=key-", &f(32, 'h')]))],
            vec![t(c(&["key-", &f(32, 'h')]))]),
        case("mailgun-webhook-signing-key",
            vec![t(c(&["MAILGUN_WEBHOOK_SIGNING_KEY=", &f(32, 'h'), "-", &f(8, 'h'), "-", &f(8, 'h')]))],
            vec![t(c(&["MAILGUN_WEBHOOK_SIGNING_KEY=", &f(16, 'h')]))]),
        case("mailchimp-api-key",
            vec![t(c(&["MAILCHIMP_API_KEY=", &f(32, 'h'), "-us", "12"]))],
            vec![t(c(&[&f(32, 'h'), "-us12"]))]),
        prefixed("shopify-access-token", "sh", "pat_", 32, 'h'),
        prefixed("shopify-custom-app-token", "sh", "pca_", 32, 'h'),
        prefixed("shopify-private-app-token", "sh", "ppa_", 32, 'h'),
        prefixed("shopify-shared-secret", "sh", "pss_", 32, 'h'),
        case("npm-access-token",
            vec![t(c(&["np", "m_", &f(36, 'a')]))],
            vec![t(c(&["npm_config_cache=/tmp/npm"])), t(c(&["np", "m_", &f(12, 'a')]))]),
        case("npmrc-auth-token",
            vec![t(c(&["//registry.fake.invalid/:_auth", "Token=", &f(36, 'w')]))],
            vec![t(c(&["//registry.fake.invalid/:_authToken=${NPM_TOKEN}"]))]),
        case("npmrc-auth",
            vec![t(c(&["_au", "th=", &f(32, 'b')]))],
            vec![t(c(&["_auth=${NPM_AUTH}"]))]),
        prefixed("pypi-upload-token", "py", "pi-Ag", 70, 'w'),
        prefixed("rubygems-api-key", "ruby", "gems_", 48, 'h'),
        prefixed("nuget-api-key", "o", "y2", 43, 'l'),
        prefixed("clojars-api-token", "CLO", "JARS_", 60, 'l'),
        prefixed("dockerhub-pat", "dckr", "_pat_", 27, 'w'),
        case("docker-config-auth",
            vec![t(c(&["{\n  \"auths\": {\n    \"registry.fake.invalid\": {\n      \"au", "th\": \"", &f(32, 'b'), "==\"\n    }\n  }\n}\n"]))],
            vec![t(c(&["{\"auths\": {\"registry.fake.invalid\": {}}}"]))]),
        case("docker-config-auth-entry",
            vec![at("root/.docker/config.json", c(&["{\"auths\":{\"a\":{\"au", "th\":\"", &f(24, 'b'), "\"},\"b\":{\"au", "th\":\"", &f(28, 'b'), "\"}}}"]))],
            vec![at("app/config.json", c(&["{\"au", "th\":\"", &f(24, 'b'), "\"}"]))]),
        case("docker-config-identity-token",
            vec![t(c(&["{\"identity", "token\": \"", &f(40, 'w'), "\"}"]))],
            vec![t(c(&["{\"identitytoken\": \"\"}"]))]),
        prefixed("artifactory-api-key", "AK", "Cp", 69, 'a'),
        prefixed("artifactory-reference-token", "cmVm", "dGtuOjAxOj", 50, 'a'),
        case("vault-service-token",
            vec![t(c(&["VAULT_TOKEN=hv", "s.", &f(95, 'w')]))],
            vec![t(c(&["hv", "s.", &f(20, 'w')]))]),
        prefixed("vault-batch-token", "hv", "b.", 140, 'w'),
        case("vault-legacy-token",
            vec![t(c(&["VAULT_TOKEN=s", ".", &f(24, 'a')]))],
            vec![t(c(&["s", ".", &f(24, 'a')]))]),
        case("terraform-cloud-token",
            vec![t(c(&[&f(14, 'a'), ".atlas", "v1.", &f(65, 'w')]))],
            vec![t(c(&[&f(14, 'a'), ".atlas", "v1.", &f(10, 'w')]))]),
        case("kubernetes-service-account-token-file",
            vec![at("var/run/secrets/kubernetes.io/serviceaccount/token", jwt())],
            vec![at("app/token.txt", jwt())]),
        case("kubernetes-service-account-token",
            vec![t(c(&["ey", "JhbGciOiJSUzI1NiIsImtpZCI6IiJ9.", "eyJpc3MiOiJrdWJlcm5ldGVz", "L3NlcnZpY2VhY2NvdW50", &f(40, 'w'), ".", &f(40, 'w')]))],
            vec![t(c(&["eyJpc3MiOiJrdWJlcm5ldGVz", "L3NlcnZpY2VhY2NvdW50"]))]),
        case("kubeconfig-client-key-data",
            vec![t(c(&["users:\n- name: fake\n  user:\n    client-key-", "data: ", &f(64, 'b'), "\n"]))],
            vec![t(c(&["    client-key-data: DATA+OMITTED\n"]))]),
        case("kubeconfig-credential",
            vec![at("home/dev/.kube/config", c(&["users:\n- name: fake\n  user:\n    tok", "en: ", &f(40, 'w'), "\n"]))],
            vec![at("home/dev/.kube/config", c(&["    token: ${KUBE_TOKEN}\n"])),
                 at("app/settings.yaml", c(&["    tok", "en: ", &f(40, 'w'), "\n"]))]),
        case("jwt",
            vec![t(jwt())],
            // The example token of jwt.io's introduction.
            vec![t(c(&["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
                ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"])), t(c(&["ey", "J", &f(20, 'w')]))]),
        case("private-key-rsa",
            vec![t(pem(&rsa, "", 4)), t(pem(&rsa, "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,DEADBEEF00000000\n\n", 4))],
            vec![t(pem("CERTIFICATE", "", 4)), t(pem(&rsa, "", 0).replace("\n\n", "\n...\n"))]),
        case("private-key-ec",
            vec![t(pem(&("EC PRIV".to_owned() + "ATE KEY"), "", 2))],
            vec![t(pem("EC PARAMETERS", "", 1)), t(pem("CERTIFICATE", "", 2))]),
        case("private-key-dsa",
            vec![t(pem(&("DSA PRIV".to_owned() + "ATE KEY"), "", 4))],
            vec![t(pem("DSA PARAMETERS", "", 4))]),
        case("private-key-openssh",
            vec![t(pem(&("OPENSSH PRIV".to_owned() + "ATE KEY"), "", 6))],
            vec![t(pem("OPENSSH PUBLIC KEY", "", 2))]),
        case("private-key-pkcs8",
            vec![t(pem(&("PRIV".to_owned() + "ATE KEY"), "", 4)),
                 t(pem(&("PRIV".to_owned() + "ATE KEY"), "", 4).replace('\n', r"\n"))],
            vec![t(pem("PUBLIC KEY", "", 4)), t(pem("CERTIFICATE", "", 4))]),
        case("private-key-pkcs8-encrypted",
            vec![t(pem(&("ENCRYPTED PRIV".to_owned() + "ATE KEY"), "", 4))],
            vec![t(pem("ENCRYPTED PRIVATE KEY", "", 0)), t(pem("ENCRYPTED PUBLIC KEY", "", 4))]),
        case("pgp-private-key-block",
            vec![t(pem(&("PGP PRIV".to_owned() + "ATE KEY BLOCK"), "Version: fake\n\n", 8))],
            vec![t(pem("PGP PUBLIC KEY BLOCK", "", 8))]),
        case("putty-private-key",
            vec![t(c(&["PuTTY-User-", "Key-File-3: ssh-ed25519\nEncryption: none\nComment: fake\nPublic-Lines: 2\n", &f(64, 'b'), "\n",
                &f(20, 'b'), "\nPrivate-Lines: 1\n", &f(44, 'b'), "\nPrivate-MAC: ", &f(64, 'h'), "\n"]))],
            vec![t(c(&["PuTTY-User-Key-File-3: ssh-ed25519\nPublic-Lines: 1\n", &f(64, 'b'), "\n"]))]),
        prefixed("age-secret-key", "AGE-SECRET", "-KEY-1", 58, 'e'),
        case("netrc-password",
            vec![at("root/.netrc", c(&["machine git.fake.invalid\n  login fake\n  pass", "word ", PW, "\n"]))],
            vec![at("root/.netrc", c(&["machine x login y password changeme\n"])),
                 at("app/notes.conf", c(&["machine x login y pass", "word ", PW, "\n"]))]),
        case("pgpass-password",
            vec![at("root/.pgpass", c(&["db.fake.invalid:5432:app:fake:", PW, "\n"]))],
            vec![at("root/.pgpass", c(&["*:*:*:*:${PGPASSWORD}\n# host:port:db:user:", PW, "\n"]))]),
        case("git-credentials",
            vec![at("root/.git-credentials", c(&["https://fake:", PW, "@git.fake.invalid\n"]))],
            vec![at("root/.git-credentials", c(&["https://fake@git.fake.invalid\n"]))]),
        case("database-url-password",
            vec![t(c(&["DATABASE_URL=postgres", "ql://app:", PW, "@db.fake.invalid:5432/app"])),
                 t(c(&["redis://:", PW, "@cache.fake.invalid:6379/0"]))],
            vec![t(c(&["postgresql://app:password@localhost/app"])), t(c(&["mysql://app:${DB_PASSWORD}@db/app"]))]),
        case("jdbc-url-password",
            vec![t(c(&["jdbc:sqlserver://db.fake.invalid:1433;database=app;user=fake;pass", "word=", "Zq8NotReal9Lp2x"]))],
            vec![t(c(&["jdbc:mysql://db/app?user=x&password=changeme"]))]),
        case("connection-string-password",
            vec![t(c(&["Server=db.fake.invalid;Database=app;User Id=fake;Pass", "word=", PW, ";"]))],
            vec![t(c(&["Server=db;Database=app;Password=<your-password>;"]))]),
        case("url-basic-auth",
            vec![t(c(&["https://fake:", PW, "@api.fake.invalid/v1"]))],
            vec![t(c(&["https://user:password@host.fake.invalid/"])), t(c(&["https://fake@api.fake.invalid/"]))]),
        case("openai-api-key",
            vec![t(c(&["sk-proj-", &f(24, 'w'), "T3Blbk", "FJ", &f(24, 'w')]))],
            vec![t(c(&["T3Blbk", "FJ"]))]),
        prefixed("anthropic-api-key", "sk-ant-", "api03-", 93, 'w'),
        prefixed("huggingface-token", "h", "f_", 34, 'L'),
        prefixed("digitalocean-token", "do", "p_v1_", 64, 'h'),
        prefixed("doppler-token", "dp", ".pt.", 43, 'a'),
        prefixed("pulumi-token", "pu", "l-", 40, 'h'),
        case("postman-api-key",
            vec![t(c(&["PM", "AK-", &f(24, 'h'), "-", &f(34, 'h')]))],
            vec![t(c(&["PM", "AK-", &f(24, 'h')]))]),
        prefixed("new-relic-user-api-key", "NR", "AK-", 27, 'u'),
        prefixed("new-relic-insert-key", "NR", "II-", 32, 'w'),
        case("datadog-api-key",
            vec![t(c(&["DD_API_KEY=", &f(32, 'h')]))],
            vec![t(c(&["DD_API_KEY=", &f(10, 'h')]))]),
        prefixed("sentry-token", "sntry", "s_", 60, 'a'),
        prefixed("linear-api-key", "lin", "_api_", 40, 'a'),
        prefixed("grafana-api-key", "eyJr", "Ijoi", 80, 'a'),
        prefixed("grafana-cloud-token", "gl", "c_", 40, 'a'),
        case("grafana-service-account-token",
            vec![t(c(&["gl", "sa_", &f(32, 'a'), "_", &f(8, 'h')]))],
            vec![t(c(&["gl", "sa_", &f(32, 'a')]))]),
        prefixed("heroku-api-key", "HR", "KU-", 60, 'w'),
        case("heroku-api-key-legacy",
            vec![t(c(&["HEROKU_API_KEY=", &uuid()]))],
            vec![t(uuid())]),
        prefixed("dropbox-access-token", "s", "l.", 140, 'w'),
        case("telegram-bot-token",
            vec![t(c(&["123456789", ":A", "A", &f(33, 'w')]))],
            vec![t(c(&["123456789", ":A", "A", &f(10, 'w')]))]),
        case("discord-webhook-url",
            vec![t(c(&["https://discord.com/api/web", "hooks/", &f(18, 'd'), "/", &f(64, 'w')]))],
            vec![t(c(&["https://discord.com/api/webhooks/123/short"]))]),
        case("discord-bot-token",
            vec![t(c(&["DISCORD_BOT_TOKEN=", &f(26, 'w'), ".", &f(6, 'w'), ".", &f(30, 'w')]))],
            vec![t(c(&["DISCORD_BOT_TOKEN=", &f(10, 'w')]))]),
        case("microsoft-teams-webhook-url",
            vec![t(c(&["https://fake.webhook.office", ".com/webhookb2/", &uuid(), "@", &uuid(), "/IncomingWebhook/", &f(32, 'h'), "/", &uuid()]))],
            vec![t(c(&["https://fake.webhook.office.com/webhookb2/"]))]),
        prefixed("square-access-token", "sq0", "atp-", 22, 'w'),
        prefixed("square-oauth-secret", "sq0", "csp-", 43, 'w'),
        case("facebook-access-token",
            vec![t(c(&["EAACEd", "Eose0cBA", &f(30, 'a')]))],
            vec![t(c(&["EAACEd", "Eose0cBA", "short"]))]),
        case("okta-api-token",
            vec![t(c(&["OKTA_API_TOKEN=00", &f(40, 'w')]))],
            vec![t(c(&["OKTA_API_TOKEN=00", &f(10, 'w')]))]),
        prefixed("alibaba-access-key-id", "LT", "AI", 20, 'a'),
        prefixed("planetscale-token", "pscale", "_tkn_", 40, 'w'),
        prefixed("databricks-token", "da", "pi", 32, 'h'),
        prefixed("shippo-api-token", "shippo", "_live_", 40, 'h'),
        prefixed("flyio-token", "fo", "1_", 43, 'w'),
        prefixed("prefect-api-token", "pn", "u_", 36, 'a'),
        prefixed("readme-api-token", "rd", "me_", 70, 'l'),
        prefixed("easypost-api-key", "EZ", "AK", 54, 'a'),
        prefixed("duffel-api-token", "duffel", "_test_", 43, 'w'),
        case("mapbox-secret-token",
            vec![t(c(&["sk.eyJ1", "Ijoi", &f(30, 'w'), ".", &f(22, 'w')]))],
            vec![t(c(&["sk.eyJ1", "Ijoi", &f(10, 'w')]))]),
        case("cloudflare-api-token",
            vec![t(c(&["CLOUDFLARE_API_TOKEN=", &f(40, 'w')]))],
            vec![t(c(&["CLOUDFLARE_API_TOKEN=", &"a".repeat(40)]))]),
        case("snyk-api-token",
            vec![t(c(&["SNYK_TOKEN=", &uuid()]))],
            vec![t(uuid())]),
        case("circleci-token",
            vec![t(c(&["CCI", "PAT_", &f(22, 'a'), "_", &f(40, 'h')]))],
            vec![t(c(&["CCI", "PAT_", &f(22, 'a')]))]),
        prefixed("sonarqube-token", "sq", "p_", 40, 'h'),
        case("http-basic-auth-header",
            vec![t(c(&["Authorization: Basic ", &f(24, 'b'), "=="]))],
            vec![t(c(&["Authorization: Basic ${CREDS}"]))]),
        case("http-bearer-token-header",
            vec![t(c(&["curl -H 'Authorization: Bearer ", &f(40, 'w'), "'"]))],
            vec![t(c(&["Authorization: Bearer <token>"])), t(c(&["Authorization: Bearer ", &"x".repeat(40)]))]),
        case("generic-password-assignment",
            vec![t(c(&["DB_PASS", "WORD=\"", PW, "\""])), t(c(&["pass", "word: ", "Zq8NotReal9"]))],
            vec![t(c(&["password = \"changeme\""])), t(c(&["password = get_password()"])),
                 t(c(&["PASSWORD=${DB_PASSWORD}"])), at("docs/README.md", c(&["pass", "word: '", PW, "'"]))]),
        case("generic-secret-assignment",
            vec![t(c(&["client_sec", "ret = '", PW, "-77'"]))],
            vec![t(c(&["client_secret = 'your-client-secret'"])), t(c(&["secret = settings.SECRET_VALUE"]))]),
        case("generic-token-assignment",
            vec![t(c(&["auth_tok", "en: ", PW, "-7731"]))],
            vec![t(c(&["token = self.get_token_from_env()"])), t(c(&["token: aaaaaaaaaaaaaaaaaaaaaa"]))]),
        case("generic-api-key-assignment",
            vec![t(c(&["API_", "KEY=", "Zq8NotReal9Lp2x7731"]))],
            vec![t(c(&["api_key = \"xxxxxxxxxxxxxxxxxxxx\""])), t(c(&["api_key = os.environ.API_KEY_NAME"]))]),
    ]
}

#[test]
fn every_rule_has_positive_and_negative_cases_that_hold() {
    let scanner = Scanner::new(RuleSet::builtin(), ScanOptions::default());
    let cases = cases();
    assert_eq!(cases.len(), BUILTIN.len());
    let mut failures = Vec::new();
    for case in &cases {
        if !BUILTIN.iter().any(|s| s.id == case.id) {
            failures.push(format!("{}: cases for an unknown rule", case.id));
        }
        if cases.iter().filter(|c| c.id == case.id).count() > 1 {
            failures.push(format!("{}: cases listed twice", case.id));
        }
    }
    for spec in BUILTIN {
        let Some(case) = cases.iter().find(|c| c.id == spec.id) else {
            failures.push(format!("{}: no cases", spec.id));
            continue;
        };
        if case.pos.is_empty() || case.neg.is_empty() {
            failures.push(format!(
                "{}: needs at least one positive and one negative",
                spec.id
            ));
        }
        for (path, text) in &case.pos {
            let found = scanner.scan_bytes(path, text.as_bytes());
            if !found.iter().any(|m| m.rule_id == spec.id) {
                failures.push(format!(
                    "{}: positive not found in {path}: {text:?} (got {found:?})",
                    spec.id
                ));
            }
            for m in &found {
                if m.redacted.chars().count() > 8 || !m.redacted.ends_with("****") {
                    failures.push(format!("{}: redaction too long: {}", spec.id, m.redacted));
                }
            }
        }
        for (path, text) in &case.neg {
            let found = scanner.scan_bytes(path, text.as_bytes());
            if found.iter().any(|m| m.rule_id == spec.id) {
                failures.push(format!("{}: negative matched in {path}: {text:?}", spec.id));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
