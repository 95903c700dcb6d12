/**
 * Cluster members as the server sees them: who leads ({@link io.kvstore.server.member.MemberDirectory}), each
 * member's replicated client address, published by the member itself
 * ({@link io.kvstore.server.member.MemberPublisher}, through {@link io.kvstore.server.member.MembersService} when it
 * is a follower), numeric ids for response headers, and the channels to other members' client ports.
 */
package io.kvstore.server.member;
