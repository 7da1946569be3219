import Foundation

/// The province's commendation ranking: a weighted score over figures normalised by size, with
/// the weights as configuration (`Resources/Statistics/ranking.json`). A unit with too small a
/// sample is listed, not ranked. Every score keeps its parts, so a unit sees how it was made.
public enum CommendationRanking {
    public struct Config: Codable, Sendable, Equatable {
        public var components: [Component]
        public var minimumSample: MinimumSample

        public init(components: [Component], minimumSample: MinimumSample) {
            self.components = components
            self.minimumSample = minimumSample
        }
    }

    /// One part of the score: the sum of `numerator` figures, divided either by the sum of
    /// `denominator` figures (a share, e.g. valuable tips of all tips) or, with `perMembers`, by
    /// the unit's group members (a rate per 1,000 members).
    public struct Component: Codable, Sendable, Equatable {
        public var key: String
        public var labelVI: String
        public var labelEN: String
        public var weight: Double
        public var numerator: [String]
        public var denominator: [String]?
        public var perMembers: Bool?

        public init(key: String, labelVI: String, labelEN: String, weight: Double, numerator: [String], denominator: [String]? = nil, perMembers: Bool? = nil) {
            self.key = key
            self.labelVI = labelVI
            self.labelEN = labelEN
            self.weight = weight
            self.numerator = numerator
            self.denominator = denominator
            self.perMembers = perMembers
        }
    }

    /// A unit is ranked only when the sum of `figures` reaches `atLeast`.
    public struct MinimumSample: Codable, Sendable, Equatable {
        public var figures: [String]
        public var atLeast: Double

        public init(figures: [String], atLeast: Double) {
            self.figures = figures
            self.atLeast = atLeast
        }
    }

    public struct Candidate: Sendable, Equatable {
        public var id: String
        public var name: String
        /// Figures of the period by metric name.
        public var figures: [String: Double]
        /// Group members at the end of the period (the size the rates are normalised by).
        public var members: Double

        public init(id: String, name: String, figures: [String: Double], members: Double) {
            self.id = id
            self.name = name
            self.figures = figures
            self.members = members
        }
    }

    public struct Part: Sendable, Equatable {
        public var key: String
        public var labelVI: String
        public var labelEN: String
        /// The share or the rate per 1,000 members.
        public var value: Double
        /// The value against the best unit's, 0–100.
        public var relative: Double
        public var weight: Double
        /// What the part adds to the score: relative × weight ÷ the sum of weights.
        public var points: Double
    }

    public struct Result: Sendable, Equatable {
        public enum Standing: Sendable, Equatable {
            case ranked(Int)
            /// Too small a sample: the sample it had.
            case tooFewCases(Double)
            /// Some part is per member and the unit has no group members.
            case noMembers
        }

        public var candidate: Candidate
        public var standing: Standing
        /// 0–100; nil for a unit that is not ranked.
        public var score: Double?
        public var parts: [Part]
    }

    /// Ranks `candidates`: best score first, ties by name; unranked units after, by name.
    public static func rank(_ candidates: [Candidate], config: Config) -> [Result] {
        func sum(_ names: [String], _ candidate: Candidate) -> Double { names.reduce(0) { $0 + (candidate.figures[$1] ?? 0) } }
        func value(_ component: Component, _ candidate: Candidate) -> Double {
            let top = sum(component.numerator, candidate)
            if component.perMembers == true { return candidate.members > 0 ? top * 1000 / candidate.members : 0 }
            let bottom = sum(component.denominator ?? [], candidate)
            return bottom > 0 ? top / bottom : 0
        }
        let needsMembers = config.components.contains { $0.perMembers == true }
        var eligible: [Candidate] = []
        var results: [Result] = []
        for candidate in candidates {
            let sample = sum(config.minimumSample.figures, candidate)
            if sample < config.minimumSample.atLeast {
                results.append(Result(candidate: candidate, standing: .tooFewCases(sample), score: nil, parts: []))
            } else if needsMembers, candidate.members <= 0 {
                results.append(Result(candidate: candidate, standing: .noMembers, score: nil, parts: []))
            } else {
                eligible.append(candidate)
            }
        }
        let totalWeight = config.components.reduce(0) { $0 + max($1.weight, 0) }
        let best = config.components.map { component in eligible.map { value(component, $0) }.max() ?? 0 }
        var scored: [Result] = eligible.map { candidate in
            let parts = config.components.enumerated().map { index, component -> Part in
                let own = value(component, candidate)
                let relative = best[index] > 0 ? own / best[index] * 100 : 0
                let weight = max(component.weight, 0)
                return Part(key: component.key, labelVI: component.labelVI, labelEN: component.labelEN, value: own, relative: relative,
                            weight: weight, points: totalWeight > 0 ? relative * weight / totalWeight : 0)
            }
            return Result(candidate: candidate, standing: .ranked(0), score: parts.reduce(0) { $0 + $1.points }, parts: parts)
        }
        scored.sort { ($0.score ?? 0, $1.candidate.name) > ($1.score ?? 0, $0.candidate.name) }
        // Equal scores share a place (1, 2, 2, 4).
        for index in scored.indices {
            let same = index > 0 && abs((scored[index].score ?? 0) - (scored[index - 1].score ?? 0)) < 1e-9
            if same, case .ranked(let place) = scored[index - 1].standing {
                scored[index].standing = .ranked(place)
            } else {
                scored[index].standing = .ranked(index + 1)
            }
        }
        return scored + results.sorted { $0.candidate.name < $1.candidate.name }
    }
}
