package io.visprompt.dataset;

import java.util.List;

/** One page of datasets, newest first; pass the last id as {@code after} for the next page. */
record DatasetPage(List<DatasetResponse> data, boolean hasMore) {
}
