package io.wshub.admin;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.media.Schema;

import java.util.Map;

/**
 * Adds the problem responses every admin operation can give to the OpenAPI document, in one place instead of on
 * every method. Registered by {@code mp.openapi.filter}.
 */
public class ProblemResponsesFilter implements OASFilter {

    private static final String PROBLEM_REF = "#/components/schemas/Problem";
    private static final Map<String, String> ERRORS = Map.of(
            "400", "invalid request (body, parameter or identifier)",
            "401", "no valid bearer token",
            "403", "the token's groups lack wshub-admin",
            "404", "no such client, user or room",
            "409", "conflict: the room exists, the client is a member already, or the room is full",
            "413", "message data larger than wshub.max-message-bytes");

    @Override
    public Operation filterOperation(Operation operation) {
        ERRORS.forEach((code, description) -> {
            if (operation.getResponses() != null && !operation.getResponses().hasAPIResponse(code)) {
                operation.getResponses().addAPIResponse(code, OASFactory.createAPIResponse()
                        .description(description)
                        .content(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                                OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM_REF)))));
            }
        });
        return operation;
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema("Problem", OASFactory.createSchema()
                .type(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details")
                .addProperty("type", OASFactory.createSchema().type(Schema.SchemaType.STRING))
                .addProperty("title", OASFactory.createSchema().type(Schema.SchemaType.STRING))
                .addProperty("status", OASFactory.createSchema().type(Schema.SchemaType.INTEGER))
                .addProperty("detail", OASFactory.createSchema().type(Schema.SchemaType.STRING)));
    }
}
