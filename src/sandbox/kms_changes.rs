//! PATCH and DELETE of one connection, with the server's checks in the server's order:
//! zod on the path and the body (422), the connection (exists, this app), the credential
//! format for its method, a live check of new credentials, then the change (a rename that
//! collides, a delete of a connection still in use).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};

use super::envelope::Failure;
use super::kms::{Answer, Kms, authorize, connection, existing, known_app, uuid_param};
use super::validate::{self, NewConnection};
use super::verify;

pub(super) async fn update(
    State(kms): State<Arc<Kms>>,
    Path((app, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let spec = known_app(&app, &method, &uri)?;
    authorize(&headers)?;
    uuid_param(&id)?;
    let checked = validate::update(spec, &body);
    // The schema runs before the handler: a bad body is refused even for an unknown ID.
    if let Err(Ok(issues)) = checked {
        return Err(Failure::validation(issues));
    }
    let current = existing(&kms, spec, &id)?;
    // The credential format depends on the connection's method: checked once it is found.
    let update = checked.map_err(|e| match e {
        Ok(issues) => Failure::validation(issues),
        Err(message) => Failure::bad_request(message),
    })?;
    if let Some(credentials) = &update.credentials {
        let candidate = NewConnection {
            name: current.name.clone(),
            description: None,
            project_id: current.project_id.clone(),
            credentials: credentials.clone(),
        };
        verify::credentials(&kms.http, spec, &candidate, &kms.endpoints)
            .await
            .map_err(Failure::bad_request)?;
    }
    if let Some(description) = &update.description
        && !validate::fits_columns(description.as_deref())
    {
        return Err(Failure::database());
    }
    let updated = kms
        .store
        .update(spec, &id, update)
        .map_err(Failure::bad_request)?;
    Ok(connection(updated))
}

pub(super) async fn delete(
    State(kms): State<Arc<Kms>>,
    Path((app, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Answer {
    let spec = known_app(&app, &method, &uri)?;
    authorize(&headers)?;
    existing(&kms, spec, &id)?;
    if kms.syncs.use_connection(&id) {
        return Err(Failure::bad_request(
            "Cannot delete App Connection with existing connections. Remove all existing connections and try again.",
        ));
    }
    match kms.store.remove(&id) {
        Some(Ok(deleted)) => Ok(connection(deleted)),
        Some(Err(in_use)) => Err(Failure::bad_request(in_use)),
        None => Err(Failure::not_found(format!(
            "Could not find App Connection with ID {id}"
        ))),
    }
}
