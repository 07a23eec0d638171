//! The built-in rules, as data: one entry per rule, specific providers first and generic
//! assignment rules last (when two rules match the same bytes, the earlier one wins).
//!
//! Keywords are matched case-insensitively over the whole buffer; the regex then runs only
//! in a window around each keyword hit, so every keyword must occur in (or next to) the
//! text its regex matches. Regexes are compiled without Unicode (ASCII `\b`, `\w`, `(?i)`).
//!
//! The AWS documentation's example key pair is deliberately *not* allowlisted: like Trivy,
//! we report it (a copy of the docs in an image is rare; a real key that happens to end in
//! `EXAMPLE` is not something to hide).

use customs_model::Severity::{Critical, High, Low, Medium};

use super::{r, Confirm, Spec};

/// Window for a PEM block (a 4096-bit RSA key is about 3.3 KB).
const PEM: usize = 32 * 1024;

/// Azure's documented storage-emulator (Azurite) and Cosmos DB emulator keys: public,
/// shipped in SDKs and docs, never a leak.
const AZURE_EMULATOR_KEYS: &[&str] = &[
    "^Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==$",
    "^C2y6yDjf5/R\\+ob0N8A7Cgv30VRDJIWEHLM\\+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==$",
];

/// The built-in rules.
pub(crate) static BUILTIN: &[Spec] = &[
    // ---- AWS ----
    r("aws-access-key-id", "AWS access key ID", Critical, &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
        r"\b((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16})\b").group(1),
    r("aws-secret-access-key", "AWS secret access key", Critical, &["secret", "aws_sec", "aws-sec", "awssec", "aws.sec"],
        r#"(?i)(?:aws[\w.\-]{0,20}?sec(?:ret)?[_\-.]?(?:access[_\-.]?)?key|secret[_\-.]?access[_\-.]?key)["']?\s*(?::=|=>|[:=,])\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#).group(1),
    r("aws-session-token", "AWS session token", High, &["session_token", "session-token", "sessiontoken", "session.token"],
        r#"(?i)(?:aws[_\-.]?)?session[_\-.]?token["']?\s*(?::=|=>|[:=])\s*["']?([A-Za-z0-9/+=]{100,})"#).group(1).reach(8192),
    r("aws-mws-auth-token", "Amazon MWS auth token", High, &["amzn.mws."],
        r"\bamzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
    // ---- Google Cloud ----
    r("gcp-service-account-key", "GCP service account private key (JSON key file)", Critical, &["\"private_key\""],
        r#""private_key"\s*:\s*"-----BEGIN PRIVATE KEY-----(?:\\n)*([A-Za-z0-9+/=\\]{64,}?)(?:\\n)*-----END PRIVATE KEY-----"#).group(1).reach(16384),
    r("gcp-api-key", "Google API key", High, &["AIza"],
        r"\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("gcp-oauth-client-secret", "Google OAuth client secret", High, &["GOCSPX-"],
        r"\b(GOCSPX-[0-9A-Za-z_\-]{28})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("google-oauth-access-token", "Google OAuth access token", High, &["ya29."],
        r"\b(ya29\.[0-9A-Za-z_\-]{30,})").group(1),
    r("google-oauth-refresh-token", "Google OAuth refresh token", High, &["1//0"],
        r"(?:^|[^0-9A-Za-z_\-/])(1//0[0-9A-Za-z_\-]{40,})").group(1),
    // ---- Azure ----
    r("azure-cosmosdb-connection-string", "Azure Cosmos DB connection string", Critical, &["accountendpoint="],
        r"(?i)AccountEndpoint=https://[^;\x22'\s]+;\s*AccountKey=([A-Za-z0-9+/]{86}==)").group(1)
        .allow(AZURE_EMULATOR_KEYS),
    r("azure-storage-connection-string", "Azure storage connection string", Critical, &["accountkey="],
        r"(?i)AccountName=[^;\x22'\s]+;\s*AccountKey=([A-Za-z0-9+/]{86}==)").group(1)
        .allow(AZURE_EMULATOR_KEYS),
    r("azure-storage-account-key", "Azure storage account key", Critical, &["accountkey", "account_key", "account-key", "storagekey", "storage_key", "storage-key"],
        r#"(?i)(?:account|storage)[_\-.]?(?:account[_\-.]?)?key["']?\s*(?::=|=>|[:=])\s*["']?([A-Za-z0-9+/]{86}==)"#).group(1)
        .allow(AZURE_EMULATOR_KEYS),
    r("azure-sas-token", "Azure shared access signature", High, &["sv=20"],
        r"(?i)\bsv=20\d\d-\d\d-\d\d&[^\s\x22'<>]{0,512}?\bsig=([A-Za-z0-9%+/]{40,}(?:%3D|=)?)").group(1),
    r("azure-ad-client-secret", "Azure AD (Entra ID) client secret", High, &["Q~"],
        r"(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~.\-]|$)").group(1),
    r("azure-service-bus-connection-string", "Azure Service Bus / Event Hubs connection string", High, &["sharedaccesskey="],
        r"(?i)Endpoint=sb://[^;\x22'\s]+;\s*SharedAccessKeyName=[^;\x22'\s]+;\s*SharedAccessKey=([A-Za-z0-9+/]{43}=)").group(1),
    r("azure-devops-pat", "Azure DevOps personal access token", High, &["devops", "vsts"],
        r#"(?i)(?:devops|vsts)[\w.\-]{0,20}?(?:pat|token)["']?\s*(?::=|=>|[:=])\s*["']?([a-z2-7]{52}|[A-Za-z0-9]{84})(?:[^A-Za-z0-9]|$)"#).group(1),
    // ---- GitHub ----
    r("github-pat", "GitHub personal access token (classic)", Critical, &["ghp_"], r"\bghp_[0-9A-Za-z]{36}\b"),
    r("github-fine-grained-pat", "GitHub fine-grained personal access token", Critical, &["github_pat_"],
        r"\bgithub_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59}\b"),
    r("github-oauth-token", "GitHub OAuth access token", Critical, &["gho_"], r"\bgho_[0-9A-Za-z]{36}\b"),
    r("github-app-token", "GitHub App installation or user-to-server token", Critical, &["ghu_", "ghs_"],
        r"\b(?:ghu|ghs)_[0-9A-Za-z]{36}\b"),
    r("github-refresh-token", "GitHub refresh token", Critical, &["ghr_"], r"\bghr_[0-9A-Za-z]{36,76}\b"),
    // ---- GitLab ----
    r("gitlab-pat", "GitLab personal access token", Critical, &["glpat-"],
        r"\b(glpat-[0-9A-Za-z_\-]{20,64}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?)(?:[^0-9A-Za-z_\-.]|$)").group(1),
    r("gitlab-pipeline-trigger-token", "GitLab pipeline trigger token", Critical, &["glptt-"], r"\bglptt-[0-9a-f]{40}\b"),
    r("gitlab-runner-registration-token", "GitLab runner registration token", Critical, &["GR1348941"],
        r"\b(GR1348941[0-9A-Za-z_\-]{20})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("gitlab-runner-auth-token", "GitLab runner authentication token", Critical, &["glrt-"],
        r"\b(glrt-[0-9A-Za-z_\-]{20,64})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("gitlab-deploy-token", "GitLab deploy token", Critical, &["gldt-"],
        r"\b(gldt-[0-9A-Za-z_\-]{20,64})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("gitlab-oauth-app-secret", "GitLab OAuth application secret", Critical, &["gloas-"],
        r"\b(gloas-[0-9A-Za-z_\-]{64})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("gitlab-feed-token", "GitLab feed token", High, &["glft-"],
        r"\b(glft-[0-9A-Za-z_\-]{20,64})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("gitlab-incoming-mail-token", "GitLab incoming mail token", High, &["glimt-"],
        r"\b(glimt-[0-9A-Za-z_\-]{25})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("gitlab-agent-token", "GitLab agent for Kubernetes token", Critical, &["glagent-"],
        r"\b(glagent-[0-9A-Za-z_\-]{50})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("gitlab-cicd-job-token", "GitLab CI/CD job token", High, &["glcbt-"],
        r"\b(glcbt-[0-9A-Za-z]{1,5}_[0-9A-Za-z_\-]{20})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("gitlab-scim-token", "GitLab SCIM OAuth token", High, &["glsoat-"],
        r"\b(glsoat-[0-9A-Za-z_\-]{20})(?:[^0-9A-Za-z_\-]|$)").group(1),
    // ---- Bitbucket / Atlassian ----
    r("bitbucket-app-password", "Bitbucket app password", High, &["ATBB"], r"\bATBB[A-Za-z0-9]{28,36}\b"),
    r("bitbucket-client-secret", "Bitbucket OAuth client secret", High, &["bitbucket"],
        r#"(?i)bitbucket[\w.\-]{0,20}?(?:secret|token|key)["']?\s*(?::=|=>|[:=])\s*["']?([A-Za-z0-9=_\-]{32,64})(?:[^A-Za-z0-9=_\-]|$)"#).group(1).entropy(3.5),
    r("atlassian-api-token", "Atlassian API token", High, &["ATATT3"],
        r"\b(ATATT3[A-Za-z0-9_\-=]{186})(?:[^A-Za-z0-9_\-=]|$)").group(1),
    // ---- Slack ----
    r("slack-bot-token", "Slack bot token", High, &["xoxb-"], r"\bxoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34}\b"),
    r("slack-user-token", "Slack user token", High, &["xoxp-", "xoxe-"],
        r"\b(xox[pe](?:-[0-9]{10,13}){3}-[A-Za-z0-9\-]{28,34})(?:[^A-Za-z0-9\-]|$)").group(1),
    r("slack-app-token", "Slack app-level token", High, &["xapp-"], r"(?i)\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+\b"),
    r("slack-config-token", "Slack configuration token", High, &["xoxe.xox"], r"(?i)\bxoxe\.xox[bp]-\d-[A-Z0-9]{163,166}\b"),
    r("slack-legacy-token", "Slack legacy token", High, &["xoxo-", "xoxs-"], r"\bxox[os]-\d+-\d+-\d+-[a-fA-F\d]+\b"),
    r("slack-webhook-url", "Slack incoming webhook URL", High, &["hooks.slack.com"],
        r"hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9+/]{43,56})").group(1)
        .allow(&["(?i)X{12}", "^T0+/B0+/"]),
    // ---- Stripe ----
    r("stripe-secret-key", "Stripe live secret key", Critical, &["sk_live_"], r"\bsk_live_[0-9A-Za-z]{24,99}\b"),
    r("stripe-restricted-key", "Stripe live restricted key", High, &["rk_live_"], r"\brk_live_[0-9A-Za-z]{24,99}\b"),
    r("stripe-test-secret-key", "Stripe test-mode secret key", Low, &["sk_test_", "rk_test_"],
        r"\b[sr]k_test_[0-9A-Za-z]{24,99}\b")
        // Stripe's documentation examples.
        .allow(&["^sk_test_4eC39HqLyjWDarjtT1zdp7dc$", "^sk_test_BQokikJOvBiI2HlWgH4olfQ2$"]),
    r("stripe-webhook-secret", "Stripe webhook signing secret", High, &["whsec_"], r"\bwhsec_[A-Za-z0-9]{32,}\b"),
    // ---- Twilio, SendGrid, Mailgun, Mailchimp ----
    r("twilio-api-key", "Twilio API key", High, &["twilio"], r"\bSK[0-9a-fA-F]{32}\b"),
    r("twilio-auth-token", "Twilio auth token", High, &["twilio"],
        r#"(?i)twilio[\w.\-]{0,20}?(?:auth[_\-.]?)?token["']?\s*(?::=|=>|[:=])\s*["']?([0-9a-f]{32})\b"#).group(1),
    r("sendgrid-api-key", "SendGrid API key", High, &["SG."],
        r"\b(SG\.[0-9A-Za-z_\-]{22}\.[0-9A-Za-z_\-]{43})(?:[^0-9A-Za-z_\-]|$)").group(1),
    r("mailgun-api-key", "Mailgun API key", High, &["mailgun"], r"\bkey-[0-9a-f]{32}\b"),
    r("mailgun-webhook-signing-key", "Mailgun webhook signing key", Medium, &["mailgun"],
        r#"(?i)mailgun[\w.\-]{0,30}?["']?\s*(?::=|=>|[:=])\s*["']?([0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})\b"#).group(1),
    r("mailchimp-api-key", "Mailchimp API key", High, &["mailchimp"], r"\b[0-9a-f]{32}-us\d{1,2}\b"),
    // ---- Shopify ----
    r("shopify-access-token", "Shopify access token", High, &["shpat_"], r"\bshpat_[a-fA-F0-9]{32}\b"),
    r("shopify-custom-app-token", "Shopify custom app access token", High, &["shpca_"], r"\bshpca_[a-fA-F0-9]{32}\b"),
    r("shopify-private-app-token", "Shopify private app access token", High, &["shppa_"], r"\bshppa_[a-fA-F0-9]{32}\b"),
    r("shopify-shared-secret", "Shopify shared secret", High, &["shpss_"], r"\bshpss_[a-fA-F0-9]{32}\b"),
    // ---- Package registries ----
    r("npm-access-token", "npm access token", Critical, &["npm_"], r"\bnpm_[A-Za-z0-9]{36}\b"),
    r("npmrc-auth-token", "npm registry auth token in .npmrc", High, &["_authtoken"],
        r#"(?i)(?:^|[\s/:])_authToken\s*=\s*["']?([A-Za-z0-9_\-+/=.]{16,})"#).group(1).entropy(3.0),
    r("npmrc-auth", "npm registry basic credentials in .npmrc", High, &["_auth", "_password"],
        r#"(?i)(?:^|[\s/:])_(?:auth|password)\s*=\s*["']?([A-Za-z0-9+/]{12,}={0,2})"#).group(1).entropy(3.0),
    r("pypi-upload-token", "PyPI upload token", Critical, &["pypi-Ag"], r"\b(pypi-Ag[A-Za-z0-9_\-]{60,})").group(1),
    r("rubygems-api-key", "RubyGems API key", High, &["rubygems_"], r"\brubygems_[a-f0-9]{48}\b"),
    r("nuget-api-key", "NuGet API key", High, &["oy2"], r"\boy2[a-z0-9]{43}\b"),
    r("clojars-api-token", "Clojars deploy token", High, &["clojars_"], r"(?i)\bCLOJARS_[a-z0-9]{60}\b"),
    // ---- Container registries ----
    r("dockerhub-pat", "Docker Hub personal or organization access token", Critical, &["dckr_pat_", "dckr_oat_"],
        r"\b(dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,})").group(1),
    r("docker-config-auth", "Registry credentials in a Docker config (auths)", High, &["\"auths\""],
        r#""auths"\s*:\s*\{\s*"[^"]{1,256}"\s*:\s*\{[^{}]{0,512}?"auth"\s*:\s*"([A-Za-z0-9+/]{8,}={0,2})""#).group(1)
        .multiline(8192),
    r("docker-config-auth-entry", "Registry credentials in a Docker config file", High, &["\"auth\""],
        r#""auth"\s*:\s*"([A-Za-z0-9+/]{8,}={0,2})""#).group(1)
        .path(r"(?i)(?:^|/)(?:\.docker/config\.json|\.dockercfg|\.?dockerconfigjson|containers/auth\.json)$"),
    r("docker-config-identity-token", "Registry identity token in a Docker config", High, &["identitytoken"],
        r#"(?i)"identitytoken"\s*:\s*"([^"\s]{16,})""#).group(1),
    r("artifactory-api-key", "JFrog Artifactory API key", High, &["AKCp"], r"\bAKCp[A-Za-z0-9]{69}\b"),
    r("artifactory-reference-token", "JFrog Artifactory reference token", High, &["cmVmdGtu"],
        r"\bcmVmdGtuOjAxOj[A-Za-z0-9]{40,}\b"),
    // ---- HashiCorp ----
    r("vault-service-token", "HashiCorp Vault service or recovery token", Critical, &["hvs.", "hvr."],
        r"\b(hv[sr]\.[A-Za-z0-9_\-]{90,})").group(1),
    r("vault-batch-token", "HashiCorp Vault batch token", Critical, &["hvb."], r"\b(hvb\.[A-Za-z0-9_\-]{138,300})").group(1),
    r("vault-legacy-token", "HashiCorp Vault token (legacy format)", High, &["vault"],
        r#"(?i)vault[\w.\-]{0,20}?token["']?\s*(?::=|=>|[:=])\s*["']?(s\.[A-Za-z0-9]{24})\b"#).group(1),
    r("terraform-cloud-token", "Terraform Cloud / Enterprise API token", Critical, &[".atlasv1."],
        r"\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,70})").group(1),
    // ---- Kubernetes ----
    r("kubernetes-service-account-token-file", "Kubernetes service account token file", High, &[],
        r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{20,}").path(r"(?:^|/)serviceaccount/token$"),
    r("kubernetes-service-account-token", "Kubernetes service account token (legacy JWT)", High, &["eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50"],
        r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]{20,}"),
    r("kubeconfig-client-key-data", "Client private key embedded in a kubeconfig", Critical, &["client-key-data"],
        r#"(?:^|\s)client-key-data:\s*["']?([A-Za-z0-9+/]{40,}={0,2})"#).group(1).reach(16384),
    r("kubeconfig-credential", "Token or password embedded in a kubeconfig", High, &["token", "password", "secret"],
        r#"(?m)^\s*(?:token|password|client-secret|id-token|refresh-token):\s*["']?([^\s"']{8,})"#).group(1)
        .path(r"(?i)(?:^|/)(?:\.kube/config|[^/]*kubeconfig[^/]*)$").placeholders(),
    // ---- Tokens with a recognisable shape ----
    r("jwt", "JSON Web Token", Medium, &["eyJ"],
        r"\b(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})").group(1).reach(8192)
        // The example token of the JWT introduction at jwt.io.
        .allow(&["SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c$"]),
    // ---- Private keys ----
    r("private-key-rsa", "RSA private key", Critical, &["BEGIN RSA PRIVATE KEY"],
        r"-----BEGIN RSA PRIVATE KEY-----(?:\s|\\[nr])*([A-Za-z0-9+/=][A-Za-z0-9+/=:,\-\s\\]{62,}?)(?:\s|\\[nr])*-----END RSA PRIVATE KEY-----").group(1).multiline(PEM),
    r("private-key-ec", "EC private key", Critical, &["BEGIN EC PRIVATE KEY"],
        r"-----BEGIN EC PRIVATE KEY-----(?:\s|\\[nr])*([A-Za-z0-9+/=][A-Za-z0-9+/=:,\-\s\\]{62,}?)(?:\s|\\[nr])*-----END EC PRIVATE KEY-----").group(1).multiline(PEM),
    r("private-key-dsa", "DSA private key", Critical, &["BEGIN DSA PRIVATE KEY"],
        r"-----BEGIN DSA PRIVATE KEY-----(?:\s|\\[nr])*([A-Za-z0-9+/=][A-Za-z0-9+/=:,\-\s\\]{62,}?)(?:\s|\\[nr])*-----END DSA PRIVATE KEY-----").group(1).multiline(PEM),
    r("private-key-openssh", "OpenSSH private key", Critical, &["BEGIN OPENSSH PRIVATE KEY"],
        r"-----BEGIN OPENSSH PRIVATE KEY-----(?:\s|\\[nr])*([A-Za-z0-9+/=][A-Za-z0-9+/=\s\\]{62,}?)(?:\s|\\[nr])*-----END OPENSSH PRIVATE KEY-----").group(1).multiline(PEM),
    r("private-key-pkcs8", "PKCS#8 private key", Critical, &["BEGIN PRIVATE KEY"],
        r"-----BEGIN PRIVATE KEY-----(?:\s|\\[nr])*([A-Za-z0-9+/=][A-Za-z0-9+/=\s\\]{62,}?)(?:\s|\\[nr])*-----END PRIVATE KEY-----").group(1).multiline(PEM),
    r("private-key-pkcs8-encrypted", "Encrypted PKCS#8 private key", Medium, &["BEGIN ENCRYPTED PRIVATE KEY"],
        r"-----BEGIN ENCRYPTED PRIVATE KEY-----(?:\s|\\[nr])*([A-Za-z0-9+/=][A-Za-z0-9+/=\s\\]{62,}?)(?:\s|\\[nr])*-----END ENCRYPTED PRIVATE KEY-----").group(1).multiline(PEM),
    r("pgp-private-key-block", "PGP private key block", Critical, &["BEGIN PGP PRIVATE KEY BLOCK"],
        r"-----BEGIN PGP PRIVATE KEY BLOCK-----(?:\s|\\[nr])*([A-Za-z0-9+/=][A-Za-z0-9+/=:,.()\-\s\\]{62,}?)(?:\s|\\[nr])*-----END PGP PRIVATE KEY BLOCK-----").group(1).multiline(4 * PEM),
    r("putty-private-key", "PuTTY private key", Critical, &["PuTTY-User-Key-File-"],
        r"PuTTY-User-Key-File-\d:[^\r\n]*[\s\S]{0,4096}?Private-Lines:\s*\d+\r?\n([A-Za-z0-9+/=\r\n]{40,}?)\r?\n(?:Private-MAC|Private-Hash)").group(1).multiline(PEM),
    r("age-secret-key", "age secret key", Critical, &["AGE-SECRET-KEY-1"], r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b"),
    // ---- Credential files and URLs ----
    r("netrc-password", "Password in a .netrc file", High, &["password"], r"(?:^|\s)password\s+(\S+)").group(1)
        .path(r"(?:^|/)[._]netrc$").placeholders(),
    r("pgpass-password", "Password in a .pgpass file", High, &[],
        r"(?m)^[^:#\r\n]*:[^:\r\n]*:[^:\r\n]*:[^:\r\n]*:([^\r\n]+)$").group(1).path(r"(?:^|/)\.pgpass$").placeholders(),
    r("git-credentials", "Credentials in a .git-credentials file", High, &["://"],
        r"[a-z][a-z0-9+.\-]*://[^:@/\s]+:([^@/\s]+)@[^\s/]+").group(1).path(r"(?:^|/)\.?git-credentials$").placeholders()
        .confirm(Confirm::UrlUserinfo),
    r("database-url-password", "Password in a database connection URL", High,
        // `://`, not the schemes: every URL has it, and the search then looks for one
        // keyword instead of eleven (the schemes are words in prose and package names).
        &["://"],
        r#"(?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|cockroachdb|clickhouse)(?:\+[a-z0-9]+)?://[^:@/\s"'<>]{0,64}:([^@/\s"'<>]{3,128})@[^\s"'<>/]+"#).group(1).placeholders()
        .confirm(Confirm::UrlUserinfo),
    r("jdbc-url-password", "Password in a JDBC URL", High, &["jdbc:"],
        r#"(?i)\bjdbc:[a-z0-9]+:[^\s"'<>]*?[;?&]password=([^;&\s"'<>]{3,128})"#).group(1).placeholders(),
    r("connection-string-password", "Password in an ADO.NET-style connection string", High, &["password", "pwd"],
        r#"(?i)\b(?:server|data source|host)\s*=[^;"'\r\n]{1,128};[^"'\r\n]{0,256}?\b(?:password|pwd)\s*=\s*([^;"'\s]{3,128})"#).group(1).placeholders(),
    r("url-basic-auth", "Credentials embedded in an HTTP URL", Medium, &["://"],
        r#"(?i)\bhttps?://[^:@/\s"'<>]{1,64}:([^@/\s"'<>]{3,128})@[A-Za-z0-9.\-]+"#).group(1).placeholders()
        .confirm(Confirm::UrlUserinfo),
    // ---- Other providers ----
    r("openai-api-key", "OpenAI API key", High, &["T3BlbkFJ"],
        r"\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,74}T3BlbkFJ[A-Za-z0-9_\-]{20,74})(?:[^A-Za-z0-9_\-]|$)").group(1),
    r("anthropic-api-key", "Anthropic API key", High, &["sk-ant-"],
        r"\b(sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{80,100})(?:[^A-Za-z0-9_\-]|$)").group(1),
    r("huggingface-token", "Hugging Face access token", High, &["hf_"], r"\bhf_[A-Za-z]{34}\b"),
    r("digitalocean-token", "DigitalOcean token", High, &["dop_v1_", "doo_v1_", "dor_v1_"], r"\bdo[opr]_v1_[a-f0-9]{64}\b"),
    r("doppler-token", "Doppler service token", High, &["dp.pt."], r"\bdp\.pt\.[A-Za-z0-9]{43}\b"),
    r("pulumi-token", "Pulumi access token", High, &["pul-"], r"\bpul-[a-f0-9]{40}\b"),
    r("postman-api-key", "Postman API key", High, &["PMAK-"], r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b"),
    r("new-relic-user-api-key", "New Relic user API key", High, &["NRAK-"], r"\bNRAK-[A-Z0-9]{27}\b"),
    r("new-relic-insert-key", "New Relic insert key", High, &["NRII-"],
        r"\b(NRII-[A-Za-z0-9_\-]{32})(?:[^A-Za-z0-9_\-]|$)").group(1),
    r("datadog-api-key", "Datadog API or application key", High, &["datadog", "dd_api", "dd-api", "dd_app", "dd-app"],
        r#"(?i)(?:datadog|dd)[_\-.]?(?:api|app(?:lication)?)[_\-.]?key["']?\s*(?::=|=>|[:=])\s*["']?([a-f0-9]{40}|[a-f0-9]{32})\b"#).group(1),
    r("sentry-token", "Sentry auth token", High, &["sntrys_", "sntryu_"], r"\b(sntry[su]_[A-Za-z0-9+/=_]{40,})").group(1),
    r("linear-api-key", "Linear API key", High, &["lin_api_"], r"\blin_api_[A-Za-z0-9]{40}\b"),
    r("grafana-api-key", "Grafana API key", High, &["eyJrIjoi"], r"\b(eyJrIjoi[A-Za-z0-9]{70,400}={0,2})").group(1),
    r("grafana-cloud-token", "Grafana Cloud token", High, &["glc_"], r"\b(glc_[A-Za-z0-9+/]{32,400}={0,2})").group(1),
    r("grafana-service-account-token", "Grafana service account token", High, &["glsa_"], r"\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b"),
    r("heroku-api-key", "Heroku API key", High, &["HRKU-"], r"\b(HRKU-[A-Za-z0-9_\-]{60})(?:[^A-Za-z0-9_\-]|$)").group(1),
    r("heroku-api-key-legacy", "Heroku API key (legacy UUID format)", High, &["heroku"],
        r#"(?i)heroku[\w.\-]{0,20}?(?:api[_\-.]?)?(?:key|token)["']?\s*(?::=|=>|[:=])\s*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b"#).group(1),
    r("dropbox-access-token", "Dropbox short-lived access token", High, &["sl."], r"\b(sl\.[A-Za-z0-9_\-]{130,152})(?:[^A-Za-z0-9_\-]|$)").group(1),
    r("telegram-bot-token", "Telegram bot token", High, &[":AA"], r"\b(\d{8,10}:AA[A-Za-z0-9_\-]{33})(?:[^A-Za-z0-9_\-]|$)").group(1),
    r("discord-webhook-url", "Discord webhook URL", High, &["discord"],
        r"(?i)discord(?:app)?\.com/api/webhooks/\d{17,20}/([A-Za-z0-9_\-]{60,68})").group(1),
    r("discord-bot-token", "Discord bot token", High, &["discord"],
        r#"(?i)discord[\w.\-]{0,20}?token["']?\s*(?::=|=>|[:=])\s*["']?([A-Za-z0-9_\-]{24,28}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38})"#).group(1),
    r("microsoft-teams-webhook-url", "Microsoft Teams incoming webhook URL", High, &["webhook.office.com"],
        r"(?i)https://[a-z0-9\-]+\.webhook\.office\.com/webhookb2/[a-z0-9\-]+@[a-z0-9\-]+/IncomingWebhook/[a-z0-9]{32}/[a-z0-9\-]{36}"),
    r("square-access-token", "Square access token", High, &["EAAA", "sq0atp-"],
        r"\b((?:EAAA|sq0atp-)[A-Za-z0-9_\-]{22,60})(?:[^A-Za-z0-9_\-]|$)").group(1),
    r("square-oauth-secret", "Square OAuth secret", High, &["sq0csp-"], r"\b(sq0csp-[A-Za-z0-9_\-]{43})(?:[^A-Za-z0-9_\-]|$)").group(1),
    r("facebook-access-token", "Facebook access token", High, &["EAACEdEose0cBA"], r"\bEAACEdEose0cBA[A-Za-z0-9]{20,}\b"),
    r("okta-api-token", "Okta API token", High, &["okta"],
        r#"(?i)okta[\w.\-]{0,20}?(?:api[_\-.]?)?(?:key|token)["']?\s*(?::=|=>|[:=])\s*["']?(00[A-Za-z0-9_\-]{40})(?:[^A-Za-z0-9_\-]|$)"#).group(1),
    r("alibaba-access-key-id", "Alibaba Cloud AccessKey ID", High, &["LTAI"], r"\bLTAI[A-Za-z0-9]{20}\b"),
    r("planetscale-token", "PlanetScale token or password", High, &["pscale_"],
        r"\b(pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.\-=]{32,64})").group(1),
    r("databricks-token", "Databricks API token", High, &["dapi"], r"\bdapi[a-f0-9]{32}(?:-\d)?\b"),
    r("shippo-api-token", "Shippo API token", High, &["shippo_"], r"\bshippo_(?:live|test)_[a-f0-9]{40}\b"),
    r("flyio-token", "Fly.io access token", High, &["fo1_"], r"\b(fo1_[A-Za-z0-9_\-]{43})(?:[^A-Za-z0-9_\-]|$)").group(1),
    r("prefect-api-token", "Prefect API token", High, &["pnu_"], r"\bpnu_[A-Za-z0-9]{36}\b"),
    r("readme-api-token", "ReadMe API token", High, &["rdme_"], r"\brdme_[a-z0-9]{70}\b"),
    r("easypost-api-key", "EasyPost API key", High, &["EZAK", "EZTK"], r"\bEZ[AT]K[A-Za-z0-9]{54}\b"),
    r("duffel-api-token", "Duffel API token", High, &["duffel_"], r"\b(duffel_(?:test|live)_[A-Za-z0-9_\-=]{43})(?:[^A-Za-z0-9_\-=]|$)").group(1),
    r("mapbox-secret-token", "Mapbox secret token", High, &["sk.eyJ1Ijoi"], r"\b(sk\.eyJ1Ijoi[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{20,})").group(1),
    r("cloudflare-api-token", "Cloudflare API key or token", High, &["cloudflare"],
        r#"(?i)cloudflare[\w.\-]{0,20}?(?:api[_\-.]?)?(?:key|token)["']?\s*(?::=|=>|[:=])\s*["']?([A-Za-z0-9_\-]{37,40})(?:[^A-Za-z0-9_\-]|$)"#).group(1).entropy(3.5),
    r("snyk-api-token", "Snyk API token", High, &["snyk"],
        r#"(?i)snyk[\w.\-]{0,20}?(?:api[_\-.]?)?(?:key|token)["']?\s*(?::=|=>|[:=])\s*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b"#).group(1),
    r("circleci-token", "CircleCI personal API token", High, &["CCIPAT_"], r"\bCCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}\b"),
    r("sonarqube-token", "SonarQube token", High, &["sqp_", "squ_", "sqa_"], r"\bsq[pua]_[a-f0-9]{40}\b"),
    // ---- HTTP headers ----
    r("http-basic-auth-header", "HTTP basic authorization header", Medium, &["authorization"],
        r"(?i)\bauthorization\x22?\s*[:=]\s*\x22?basic\s+([A-Za-z0-9+/]{12,}={0,2})").group(1).entropy(3.0).placeholders(),
    r("http-bearer-token-header", "HTTP bearer authorization header", Medium, &["authorization"],
        r"(?i)\bauthorization\x22?\s*[:=]\s*\x22?bearer\s+([A-Za-z0-9_\-.~+/]{20,}={0,2})").group(1).entropy(3.5).generic(),
    // ---- Generic assignments (last: specific rules win on the same bytes) ----
    r("generic-password-assignment", "Hard-coded password", Medium, &["password", "passwd", "pwd"],
        r#"(?i)[\w.\-]{0,40}?(?:password|passwd|pwd)[\w.\-]{0,20}?["']?\s*(?::=|=>|[:=])\s*["']?([^\s"'`,;(){}\[\]<>\\]{8,128})(?:["'\s,;)}\]]|$)"#).group(1).entropy(3.0).generic()
        .confirm(Confirm::Assignment(20)),
    r("generic-secret-assignment", "Hard-coded secret", Medium, &["secret"],
        r#"(?i)[\w.\-]{0,40}?secret[\w.\-]{0,20}?["']?\s*(?::=|=>|[:=])\s*["']?([^\s"'`,;(){}\[\]<>\\]{12,256})(?:["'\s,;)}\]]|$)"#).group(1).entropy(3.5).generic()
        .confirm(Confirm::Assignment(20)),
    r("generic-token-assignment", "Hard-coded token", Medium, &["token"],
        r#"(?i)[\w.\-]{0,40}?token[\w.\-]{0,20}?["']?\s*(?::=|=>|[:=])\s*["']?([^\s"'`,;(){}\[\]<>\\]{16,512})(?:["'\s,;)}\]]|$)"#).group(1).entropy(3.5).generic()
        .confirm(Confirm::Assignment(20)),
    r("generic-api-key-assignment", "Hard-coded API key", Medium, &["api_key", "apikey", "api-key", "api.key", "access_key", "accesskey", "access-key", "auth_key", "authkey"],
        r#"(?i)[\w.\-]{0,40}?(?:api[_\-.]?key|access[_\-.]?key|auth[_\-.]?key)[\w.\-]{0,20}?["']?\s*(?::=|=>|[:=])\s*["']?([^\s"'`,;(){}\[\]<>\\]{16,256})(?:["'\s,;)}\]]|$)"#).group(1).entropy(3.5).generic()
        .confirm(Confirm::Assignment(20)),
];
