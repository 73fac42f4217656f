package io.mlcycle.online;

/**
 * The value of {@code mlcycle:fv:<view>:current}: which version readers use.
 *
 * @param tag version tag in the row keys ({@code <asOf>-<random>}, new for every write)
 * @param asOf the FeatureView as-of date of the version
 * @param catalogHash hash of the feature names in index order (readers reuse a column mapping while
 *     it is unchanged)
 * @param entities rows written
 * @param features size of the feature catalog
 * @param writtenAt ISO-8601 instant the pointer was flipped
 * @param expiresAt epoch milliseconds at which the version's keys expire (the ttl)
 */
public record OnlineVersion(
        String tag,
        String asOf,
        String catalogHash,
        long entities,
        int features,
        String writtenAt,
        long expiresAt) {}
