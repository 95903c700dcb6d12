package io.kvstore.store;

/** The outcome of {@link KvStateMachine#list}: a page, or a {@link Failure} (NOT_FOUND, PAGE_TOKEN_STALE, ...). */
public sealed interface ListResult permits ListPage, Failure {
}
