package io.mlcycle.server;

import java.util.List;
import java.util.Set;

/**
 * Which outputs a request asks for and which of them in binary form.
 *
 * @param names the outputs asked for (null: all)
 * @param binaryAll {@code parameters.binary_data_output} of the request
 * @param binary outputs asked for with {@code parameters.binary_data: true}
 * @param json outputs asked for with {@code parameters.binary_data: false}
 */
record RequestedOutputs(
        Set<String> names, boolean binaryAll, Set<String> binary, Set<String> json) {

    static final RequestedOutputs ALL_JSON = new RequestedOutputs(null, false, Set.of(), Set.of());

    boolean wanted(String name) {
        return names == null || names.contains(name);
    }

    boolean binary(String name) {
        return binary.contains(name) || (binaryAll && !json.contains(name));
    }

    /** Refuses outputs the response does not have. */
    void check(List<String> known, String what) {
        if (names == null) {
            return;
        }
        for (String name : names) {
            if (!known.contains(name)) {
                throw BadRequest.of(
                        "unknown output '"
                                + InferenceCodec.abbreviate(name)
                                + "'; the "
                                + what
                                + " "
                                + known);
            }
        }
    }
}
