// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Days — calendar arithmetic on day numbers in China Standard Time
/// @notice A day number counts days since 1970-01-01. The chain's "today" is the CST
/// (UTC+8) calendar day of the block timestamp.
library Days {
    uint256 private constant CST_OFFSET = 8 hours;

    /// @notice The current CST day number.
    function today() internal view returns (uint32) {
        return uint32((block.timestamp + CST_OFFSET) / 1 days);
    }

    /// @notice Gregorian year and month (1–12) of a day number (Hinnant's civil_from_days).
    function yearMonth(uint32 day) internal pure returns (uint16 year, uint8 month) {
        unchecked {
            uint256 z = uint256(day) + 719468;
            // slither-disable-next-line divide-before-multiply (civil_from_days: the floor divisions are the algorithm)
            uint256 era = z / 146097;
            uint256 doe = z - era * 146097;
            // slither-disable-next-line divide-before-multiply (civil_from_days: the floor divisions are the algorithm)
            uint256 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            uint256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            uint256 mp = (5 * doy + 2) / 153;
            uint256 m = mp < 10 ? mp + 3 : mp - 9;
            uint256 y = yoe + era * 400 + (m <= 2 ? 1 : 0);
            return (uint16(y), uint8(m));
        }
    }
}
