/**
 * Published webhook source ranges, usable by name in a source's `allowedIps` (`"@github-hooks"`).
 * Providers change these lists: re-check them against the URLs below before relying on them.
 */

export const IP_PRESETS = {
  /** `hooks` from https://api.github.com/meta (captured 2025-06). */
  "@github-hooks": {
    captured: "2025-06",
    source: "https://api.github.com/meta",
    ranges: [
      "192.30.252.0/22",
      "185.199.108.0/22",
      "140.82.112.0/20",
      "143.55.64.0/20",
      "2a0a:a440::/29",
      "2606:50c0::/32",
    ],
  },
  /** Webhook notification IPs from https://docs.stripe.com/ips#webhook-notifications (captured 2025-06). */
  "@stripe-webhooks": {
    captured: "2025-06",
    source: "https://docs.stripe.com/ips",
    ranges: [
      "3.18.12.63",
      "3.130.192.231",
      "13.235.14.237",
      "13.235.122.149",
      "18.211.135.69",
      "35.154.171.200",
      "52.15.183.38",
      "54.88.130.119",
      "54.88.130.237",
      "54.187.174.169",
      "54.187.205.235",
      "54.187.216.72",
    ],
  },
} as const;
