//! The KMS server refuses instance URLs on internal addresses: `blockLocalAndPrivateIpAddresses`
//! (Infisical `backend/src/lib/validator/validate-url.ts`) rejects the literal names
//! `localhost` and `host.docker.internal`, then looks the host up (`dns.lookup(host,
//! { all: true })`; older versions `dns.resolve4`) and refuses any address `isPrivateIp`
//! calls internal, with "Local IPs not allowed as URL", unless the server runs with
//! `ALLOW_INTERNAL_IP_CONNECTIONS` (or in development mode). A self-hosted server may allow
//! it, so this is a ⚠ on the server-check line, not a failure.

use std::net::IpAddr;
use std::time::Duration;

/// How long the lookup may take before it is given up (then nothing is said).
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// The warning for an instance URL the KMS server would refuse, or None. `kms_api` is the
/// KMS server's API base: a KMS on loopback (the sandbox, a server on this machine) is one
/// the user runs, which reaches local addresses, so nothing is said then.
pub(super) async fn caution(kms_api: &str, instance_url: &str) -> Option<String> {
    if on_loopback(kms_api) {
        return None;
    }
    let url = url::Url::parse(instance_url).ok()?;
    let shown = crate::sanitize::clean_short(url.host_str()?, 60);
    let addrs: Vec<IpAddr> = match url.host()? {
        url::Host::Ipv4(ip) => return is_private(ip.into()).then(|| refusal(&shown, None)),
        url::Host::Ipv6(ip) => return is_private(ip.into()).then(|| refusal(&shown, None)),
        url::Host::Domain(d) if d == "localhost" || d == "host.docker.internal" => {
            return Some(refusal(&shown, None));
        }
        url::Host::Domain(d) => {
            let lookup = tokio::net::lookup_host((d, url.port_or_known_default().unwrap_or(443)));
            let found = tokio::time::timeout(LOOKUP_TIMEOUT, lookup)
                .await
                .ok()?
                .ok()?;
            found.map(|a| a.ip()).collect()
        }
    };
    let internal = addrs.into_iter().find(|ip| is_private(*ip))?;
    Some(refusal(&shown, Some(internal)))
}

fn refusal(host: &str, ip: Option<IpAddr>) -> String {
    let at = ip.map_or_else(String::new, |ip| format!(" resolves to {ip}, which"));
    format!(
        "{host}{at} is an internal address: the KMS server refuses it (\"Local IPs not allowed as URL\") unless it runs with ALLOW_INTERNAL_IP_CONNECTIONS."
    )
}

fn on_loopback(api: &str) -> bool {
    match url::Url::parse(api)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        None => false,
    }
}

/// The ranges `isPrivateIp` (backend/src/lib/ip/ipRange.ts) treats as internal: loopback,
/// RFC 1918, link-local, "this network", carrier-grade NAT, unique-local and mapped IPv6.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(v4.into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn warned_unless_the_kms_itself_is_on_loopback() {
        let hosted = "https://app.kms.hanzo.ai/api";
        let c = caution(hosted, "http://127.0.0.1:8111").await.unwrap();
        assert!(
            c.contains("Local IPs not allowed as URL")
                && c.contains("ALLOW_INTERNAL_IP_CONNECTIONS"),
            "{c}"
        );
        assert!(caution(hosted, "http://localhost:8111").await.is_some());
        assert!(caution(hosted, "https://8.8.8.8").await.is_none());
        assert!(
            caution("http://127.0.0.1:8080/api", "http://127.0.0.1:8111")
                .await
                .is_none()
        );
        assert!(
            caution("http://localhost:8080/api", "http://10.0.0.5")
                .await
                .is_none()
        );
    }
}
