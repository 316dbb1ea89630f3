//! Who the client is when proxies stand between it and this server.

use std::net::IpAddr;

/// The client's address: with `trusted_hops` proxies of our own in front,
/// each appending the address it was reached from to `X-Forwarded-For`, the
/// client is the entry that many hops from the right; everything further left
/// came from the client and may be forged. With no trusted proxy, or a list
/// that is shorter than the proxies we trust (a request that bypassed one),
/// the farthest trustworthy address is taken: the TCP peer, or the leftmost
/// entry. `X-Real-IP` and `Forwarded` are never read: no proxy of ours sets
/// them, so any value in them is the client's own claim.
///
/// `forwarded_for` are the values of every `X-Forwarded-For` header, in
/// order; an entry that is not an IP address makes the list untrustworthy
/// and the peer is answered.
pub fn client_ip<'a>(
    peer: Option<IpAddr>,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted_hops: u32,
) -> Option<IpAddr> {
    if trusted_hops == 0 {
        return peer;
    }
    let entries: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let hops = usize::try_from(trusted_hops).unwrap_or(usize::MAX);
    let index = entries.len().saturating_sub(hops);
    match entries.get(index) {
        Some(entry) => entry.parse().ok().or(peer),
        None => peer,
    }
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use std::net::IpAddr;

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn the_client_is_counted_from_the_right() {
        let peer = ip("10.0.0.1");
        assert_eq!(client_ip(peer, ["6.6.6.6, 1.2.3.4"], 0), peer);
        assert_eq!(client_ip(peer, ["6.6.6.6, 1.2.3.4"], 1), ip("1.2.3.4"));
        assert_eq!(client_ip(peer, ["6.6.6.6", "1.2.3.4"], 1), ip("1.2.3.4"));
        assert_eq!(
            client_ip(peer, ["6.6.6.6, 1.2.3.4, 10.0.0.2"], 2),
            ip("1.2.3.4")
        );
        assert_eq!(client_ip(peer, ["1.2.3.4"], 2), ip("1.2.3.4"));
        assert_eq!(client_ip(peer, [], 1), peer);
        assert_eq!(client_ip(peer, ["6.6.6.6, not-an-ip"], 1), peer);
        assert_eq!(client_ip(peer, ["::1"], 1), ip("::1"));
    }
}
