//! Draws a schema from its JSON export, without a database:
//!
//! ```sh
//! medicaledu schema export --format json > schema.json
//! cargo run -p medicaledu-diagram --example render -- schema.json out.png [--group scheduling] [--dark] [--scale 2]
//! ```

use medicaledu_diagram::{ImageFormat, Options, Theme};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        return Err("usage: render SCHEMA.json OUTPUT.{svg,png,pdf} [--group G] [--tables a,b] [--dark] [--scale N]".into());
    };
    let mut options = Options::default();
    let mut scale = 1.0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--group" => options.group = args.next(),
            "--tables" => {
                options.tables = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::to_owned)
                    .collect();
            }
            "--dark" => options.theme = Theme::Dark,
            "--scale" => scale = args.next().unwrap_or_default().parse()?,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let schema: medicaledu_schema::Schema = serde_json::from_str(&std::fs::read_to_string(input)?)?;
    let format: ImageFormat = output.rsplit('.').next().unwrap_or_default().parse()?;
    let started = std::time::Instant::now();
    let bytes = medicaledu_diagram::render(&schema, &options, format, scale)?;
    eprintln!("{} bytes in {:?}", bytes.len(), started.elapsed());
    std::fs::write(output, bytes)?;
    Ok(())
}
