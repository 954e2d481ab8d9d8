// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Words — the two 32-byte words whose form the ledger checks: invoice numbers and codes
/// @notice An invoice number travels in one of two forms (decisions.md, "Claims"):
/// - raw: its 1–31 UTF-8 bytes, none zero, left-aligned and zero-padded (the last byte is 0);
/// - hashed: `keccak256(utf8(number)) | 1` (the last bit set, so the last byte is never 0).
/// Both give the same key, `keccak256(utf8(number)) | 1`: one invoice has exactly one claim id.
/// Any other word (a zero byte inside a raw number, an even non-zero last byte) is malformed.
/// The claim path (ClaimPath.sol, `invoiceKey`) runs the same steps inside its Yul block, where a
/// call out costs the whole block its stack (about 700 gas a claim); tests hold the two to each other.
/// A code (review, clawback and finding reasons) is 1–32 characters `A–Z`, `0–9`, `_`,
/// left-aligned and zero-padded; the zero word is "no code".
library Words {
    uint256 private constant ONES = 0x0101010101010101010101010101010101010101010101010101010101010101;
    uint256 private constant HIGHS = 0x8080808080808080808080808080808080808080808080808080808080808080;

    /// @notice The canonical key of an invoice word, and whether the word is well formed.
    function invoiceKey(bytes32 word) internal pure returns (bytes32 key, bool ok) {
        assembly ("memory-safe") {
            switch and(word, 0xff)
            case 0 {
                // raw: count the trailing zero bytes (binary search), then no zero byte before them
                let w := word
                let tz := 0
                if iszero(and(w, 0xffffffffffffffffffffffffffffffff)) {
                    tz := 16
                    w := shr(128, w)
                }
                if iszero(and(w, 0xffffffffffffffff)) {
                    tz := add(tz, 8)
                    w := shr(64, w)
                }
                if iszero(and(w, 0xffffffff)) {
                    tz := add(tz, 4)
                    w := shr(32, w)
                }
                if iszero(and(w, 0xffff)) {
                    tz := add(tz, 2)
                    w := shr(16, w)
                }
                if iszero(and(w, 0xff)) { tz := add(tz, 1) }
                // the padding filled with 0xff: a zero byte left means one inside the number
                // slither-disable-next-line incorrect-shift (shl(8*tz, 1), Yul operand order: a mask of the padding)
                let x := or(word, sub(shl(shl(3, tz), 1), 1))
                ok := and(iszero(iszero(word)), iszero(and(and(sub(x, ONES), not(x)), HIGHS)))
                mstore(0, word)
                key := or(keccak256(0, sub(32, tz)), 1)
            }
            default {
                ok := and(word, 1)
                key := word
            }
        }
    }

    /// @notice Whether `word` is a code (see above) or zero.
    function isCode(bytes32 word) internal pure returns (bool) {
        uint256 w = uint256(word);
        bool ended = false;
        for (uint256 i; i < 32; ++i) {
            uint256 c = (w >> (248 - 8 * i)) & 0xff;
            if (c == 0) {
                ended = true;
            } else if (ended || !((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x5f)) {
                return false;
            }
        }
        return true;
    }
}
