//! `preau directory import`: reads the file, shows a progress bar while it
//! imports, and prints the report. `preau directory sync`: reads the
//! peers' directories and prints what each gave.

use std::{io::IsTerminal, path::Path, time::Duration};

use indicatif::{ProgressBar, ProgressStyle};

use crate::{
    AppState,
    cli::CliError,
    directory::{
        annuaire::{self, Encoding},
        import::{self, Scope},
    },
    error::AppError,
    services::{Caller, audit},
};

pub async fn import(state: &AppState, file: &Path, scope: Scope) -> Result<(), CliError> {
    let bytes = std::fs::read(file)
        .map_err(|e| CliError::Input(format!("cannot read {}: {e}", file.display())))?;
    let (text, encoding) = annuaire::decode(&bytes)
        .map_err(|e| CliError::Input(format!("{}: {e}", file.display())))?;
    if encoding == Encoding::Latin1 {
        eprintln!(
            "{}: not UTF-8, read as Latin-1 (Windows-1252)",
            file.display()
        );
    }
    let (records, mut rejected) =
        annuaire::read(&text).map_err(|e| CliError::Input(format!("{}: {e}", file.display())))?;
    let total = records.len() as u64;
    let rows = records.len() + rejected.len();
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows, {eta} left") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    } else {
        ProgressBar::hidden()
    };
    let settings = state.settings.clone();
    let progress = bar.clone();
    let mut report = state
        .db
        .run(move |conn| {
            import::import(conn, &settings, &records, &scope, &|done| {
                progress.set_position(done)
            })
        })
        .await
        .map_err(|e: AppError| CliError::App(e))?;
    bar.finish_and_clear();
    rejected.append(&mut report.rejected);
    rejected.sort_by_key(|r| r.line);
    let target = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    let detail = format!(
        "created={}, updated={}, unchanged={}, closed={}, rejected={}",
        report.created,
        report.updated,
        report.unchanged,
        report.closed,
        rejected.len()
    );
    state
        .db
        .run(move |conn| {
            Ok::<_, AppError>(audit::record(
                conn,
                &audit::Actor::of(&Caller::Operator),
                audit::Action::DirectoryImported,
                &target,
                &detail,
            )?)
        })
        .await
        .map_err(CliError::App)?;
    println!(
        "{} rows: {} created, {} updated, {} unchanged, {} closed, {} rejected",
        rows,
        report.created,
        report.updated,
        report.unchanged,
        report.closed,
        rejected.len()
    );
    if report.parents_created > 0 {
        println!(
            "{} circonscriptions, departments and academies created",
            report.parents_created
        );
    }
    if report.out_of_scope > 0 {
        println!(
            "{} rows outside the chosen scope left out",
            report.out_of_scope
        );
    }
    for r in &rejected {
        println!("rejected line {}: {}", r.line, r.reason);
    }
    Ok(())
}

pub async fn sync(state: &AppState) -> Result<(), CliError> {
    crate::services::instance::ensure_keys(state).await?;
    let config = crate::federation::config(state.clone())
        .await
        .map_err(|e| CliError::Input(format!("federation: {e}")))?;
    let results = crate::federation::directory::sync_all(&config.to_request_data()).await;
    if results.is_empty() {
        println!("no peered instance: nothing to read");
    }
    let mut failed = 0;
    for result in results {
        match result {
            Ok(r) => println!(
                "{}: {} entries stored from {} pages, {} rejected",
                r.domain, r.stored, r.pages, r.rejected
            ),
            Err(e) => {
                failed += 1;
                eprintln!("{e}");
            }
        }
    }
    if failed > 0 {
        return Err(CliError::Input(format!(
            "{failed} peer directories could not be read"
        )));
    }
    Ok(())
}
