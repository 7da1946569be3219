import BinhYenCore
import Foundation
import Testing

@Suite("API times without a formatter")
struct InternetTimeTests {
    /// The formatter rounds to the millisecond before it drops the fraction, so a moment less than
    /// a millisecond before a whole second reads as the next second there and as this one here;
    /// the moments are kept clear of that last millisecond.
    @Test("InternetTime writes what ISO8601DateFormatter writes, for 20,000 moments from 1900 to 2200, leap days and the edges of days included")
    func sameAsFormatter() {
        let formatter = ISO8601DateFormatter()
        var generator = SystemRandomNumberGenerator()
        var moments: [Double] = [0, -1, 86_399, 86_400, 951_782_400, 951_868_799, 1_709_164_800, 4_107_542_399, -2_208_988_800]
        for _ in 0..<20_000 { moments.append(Double(Int64.random(in: -2_208_988_800...7_258_118_400, using: &generator)) + Double.random(in: 0..<0.999, using: &generator)) }
        for seconds in moments {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(InternetTime.string(date) == formatter.string(from: date), "\(seconds)")
        }
    }

    @Test("A Vietnam day starts at 17:00 UTC the evening before, and every moment of it reads as that day")
    func vietnamDays() throws {
        let start = try #require(InternetTime.vietnamDayStart("2026-12-01"))
        #expect(InternetTime.string(start) == "2026-11-30T17:00:00Z")
        #expect(InternetTime.vietnamDay(start) == "2026-12-01")
        #expect(InternetTime.vietnamDay(start.addingTimeInterval(86_399)) == "2026-12-01")
        #expect(InternetTime.vietnamDay(start.addingTimeInterval(-1)) == "2026-11-30")
        #expect(InternetTime.vietnamDay(try #require(InternetTime.vietnamDayStart("2028-02-29"))) == "2028-02-29")
        #expect(InternetTime.vietnamDayStart("2026-02-29") == nil)
        #expect(InternetTime.vietnamDayStart("2026-1-5") == nil)
    }
}

@Suite("Median")
struct MedianTests {
    @Test("The middle value, the mean of the two middle ones for an even count, nothing for none")
    func values() {
        #expect(median([]) == nil)
        #expect(median([7]) == 7)
        #expect(median([30, 10, 20]) == 20)
        #expect(median([40, 10, 30, 20]) == 25)
        #expect(median([3_600, 60, 86_400, 60]) == 1_830)
    }
}

@Suite("Day ranges in Vietnam time")
struct DayRangeTests {
    @Test("Both days included, from midnight in Vietnam; a wrong day, a reversed or too long range is refused by field")
    func ranges() throws {
        let range = try #require(DayRange.parse(from: "2026-11-01", to: "2026-11-30").0)
        #expect(InternetTime.string(range.lowerBound) == "2026-10-31T17:00:00Z")
        #expect(InternetTime.string(range.upperBound) == "2026-11-30T17:00:00Z")
        #expect(DayRange.parse(from: "2026-11-31", to: "x").1.map(\.field) == ["from", "to"])
        #expect(DayRange.parse(from: "2026-11-02", to: "2026-11-01").1.map(\.field) == ["to"])
        #expect(DayRange.parse(from: "2025-01-01", to: "2026-12-31").1.map(\.field) == ["to"])
        #expect(DayRange.parse(from: "2026-12-02", to: "2026-12-02").0 != nil, "one day")
        let month = DayRange.monthToDate(try #require(InternetTime.vietnamDayStart("2026-12-02")).addingTimeInterval(3_600))
        #expect(month.from == "2026-12-01" && month.to == "2026-12-02")
    }
}
