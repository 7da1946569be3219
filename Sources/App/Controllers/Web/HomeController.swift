import Vapor

struct HomeController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: home)
    }

    struct HomePage: Encodable {
        var page: PageMeta
    }

    @Sendable func home(req: Request) async throws -> View {
        try await req.view.render("home", HomePage(page: req.pageMeta(titleKey: "homeTitle")))
    }
}
